//! `SA-014` credential access (threat). Finds code that names where secrets live: SSH keys,
//! `.npmrc`, `.pypirc`, cloud credentials, `.git-credentials`, browser password and cookie
//! stores, Discord tokens, crypto wallets.
//!
//! Why: a package has no business reading another program's secrets. Example:
//! `path.join(home, ".ssh", "id_rsa")`. Known false positives: tools that manage these files
//! on purpose (an npm client reads `.npmrc`, a deploy tool reads SSH keys); weighed with what
//! the file sends and where it runs.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-014", name: "credential access", kind: Kind::Threat, behaviour: Behaviour::Infostealer, weight: 5 };

const PLACES: &[&str] = &[
    ".ssh/id_",
    "id_rsa",
    "id_ed25519",
    ".npmrc",
    ".pypirc",
    ".aws/credentials",
    ".docker/config.json",
    ".kube/config",
    ".git-credentials",
    "login data",
    "local state",
    "cookies.sqlite",
    "logins.json",
    "key4.db",
    "local storage/leveldb",
    "local storage\\leveldb",
    "wallet.dat",
    "exodus",
    "electrum",
    "metamask",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "solana/id.json",
    ".config/gcloud",
    "keychain-db",
    "discord/local storage",
    "discordcanary",
    "atomic/local storage",
    "ethereum/keystore",
    "bitcoin/wallets",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let mut found: Vec<&str> = Vec::new();
    let mut first = None;
    for (s, line) in &ctx.facts.strings {
        let lower = s.to_ascii_lowercase().replace("\\\\", "\\");
        for p in PLACES {
            if lower.contains(p) && !found.contains(p) {
                found.push(p);
                first.get_or_insert(*line);
            }
        }
    }
    if let Some(line) = first {
        out.push(Hit::new(&RULE, line, format!("names secret stores: {}", found.join(", "))));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_secret_places() {
        assert!(
            fired("a.js", "fs.readFileSync(path.join(os.homedir(), '.ssh', 'id_rsa'))", LIBRARY).contains(&"SA-014")
        );
        assert!(
            fired("a.py", "p = os.path.join(local, 'Google', 'Chrome', 'User Data', 'Local State')\n", LIBRARY)
                .contains(&"SA-014")
        );
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "fs.readFileSync(path.join(dir, 'package.json'))", LIBRARY).contains(&"SA-014"));
    }
}
