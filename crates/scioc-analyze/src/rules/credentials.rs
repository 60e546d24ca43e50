//! `SA-014` credential access (threat). Finds code that names where secrets live: SSH keys,
//! `.npmrc`, `.pypirc`, cloud credentials, `.git-credentials`, browser password and cookie
//! stores, Discord tokens, crypto wallets.
//!
//! Why: a package has no business reading another program's secrets. Example:
//! `path.join(home, ".ssh", "id_rsa")`. Known false positives: tools that manage these files
//! on purpose (an npm client reads `.npmrc`, a deploy tool reads SSH keys); weighed with what
//! the file sends and where it runs.

use super::{Ctx, Hit, Kind, Rule};
use crate::package::FileKind;
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-014", name: "credential access", kind: Kind::Threat, behaviour: Behaviour::Infostealer, weight: 4 };

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
    "user data/default/login data",
    "user data/local state",
    "user data\\local state",
    "default\\login data",
    "cookies.sqlite",
    "logins.json",
    "key4.db",
    "local storage/leveldb",
    "local storage\\leveldb",
    "wallet.dat",
    "exodus.wallet",
    "exodus/exodus",
    "electrum/wallets",
    "electrum\\wallets",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "solana/id.json",
    ".config/gcloud/credentials",
    "keychain-db",
    "discord/local storage",
    "discordcanary/local storage",
    "atomic/local storage",
    "ethereum/keystore",
    "bitcoin/wallets",
    "user data/default",
    "user data\\default",
    "roaming/discord",
    "roaming\\discord",
    "discordptb",
    "mfa\\.[\\w-]{84}",
    "[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}",
];

/// Names that are secret stores only as a whole string (a path part), not inside prose.
const EXACT: &[&str] = &["Login Data", "Local State", "Web Data"];

/// What a shell command reads wholesale: the SSH directory itself, not one file of it.
const SHELL_PLACES: &[&str] = &["~/.ssh", "$home/.ssh", "${home}/.ssh", "%userprofile%\\.ssh"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let mut found: Vec<&str> = Vec::new();
    let mut first = None;
    for (s, line) in &ctx.facts.strings {
        let lower = s.to_ascii_lowercase().replace("\\\\", "\\");
        if let Some(e) = EXACT.iter().find(|e| s == *e)
            && !found.contains(e)
        {
            found.push(e);
            first.get_or_insert(*line);
        }
        let shell =
            matches!(ctx.file.kind, FileKind::Shell | FileKind::Batch | FileKind::PowerShell | FileKind::NpmScript);
        let shell_places = if shell { SHELL_PLACES } else { &[] };
        for p in PLACES.iter().chain(shell_places) {
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
    fn a_shell_command_reading_the_ssh_directory_fires() {
        assert!(fired("install.sh", "find ~/.ssh | xargs cat\n", INSTALL).contains(&"SA-014"));
        // In code, naming the directory is what SSH clients do (known_hosts, config).
        assert!(!fired("a.py", "cfg = os.path.expanduser('~/.ssh')\n", LIBRARY).contains(&"SA-014"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "fs.readFileSync(path.join(dir, 'package.json'))", LIBRARY).contains(&"SA-014"));
        assert!(
            !fired(
                "a.js",
                "// like the exodus of bytes from the local state of the parser\nconst s = 'exodus'",
                LIBRARY
            )
            .contains(&"SA-014")
        );
    }
}
