//! Issue 28, defect 2: anyone could lock another user out. One wrong password for a user every
//! few seconds kept that user's correct logins refused from a new address; behind a proxy, a
//! flood of failures refused everyone, even from an address they had logged in from before. Now
//! failures slow the attacker, not the victim: each scenario runs against real server processes,
//! with clients on distinct loopback addresses, and the victims' logins are timed.

use crate::support::{Backend, FEED, PASSWORD, Scioc, Server, both_backends};
use std::net::IpAddr;
use std::time::{Duration, Instant};

both_backends!(async an_attacker_at_a_few_addresses_locks_nobody_out, behind_a_proxy_known_users_pass_and_a_trusted_proxy_separates_clients);

const PATH: &str = "/utc/2024-01-01T00:00:00?format=json";

/// A client whose connections come from `ip` (any 127.x.y.z is this host).
fn from(ip: &str) -> reqwest::Client {
    crate::support::install_crypto();
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// One login: the status, how long it took, and `Retry-After` when refused.
async fn login(
    server: &Server,
    client: &reqwest::Client,
    user: &str,
    password: &str,
    xff: Option<&str>,
) -> (u16, Duration, Option<u64>) {
    let start = Instant::now();
    let mut r = client.get(format!("{}{FEED}{PATH}", server.url)).basic_auth(user, Some(password));
    if let Some(xff) = xff {
        r = r.header("x-forwarded-for", xff);
    }
    let r = r.send().await.unwrap();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    (r.status().as_u16(), start.elapsed(), retry)
}

/// The tester's first scenario, at thirty times the pace: wrong passwords for alice and bob
/// from one address every 100 ms. The attacker is stopped after ten guesses a user; alice, from the
/// address she used before a restart, and bob, from an address he never used, both get in at
/// once. Only failures for one name from more than ten addresses close it, and then only to
/// new addresses.
async fn an_attacker_at_a_few_addresses_locks_nobody_out(backend: Backend) {
    let scioc = Scioc::on(backend);
    for u in ["alice", "bob", "carol"] {
        scioc.add_user(u, "reader");
    }
    let (home, attacker, cafe, carols_home) =
        (from("127.0.0.3"), from("127.0.0.2"), from("127.0.0.4"), from("127.0.0.5"));
    {
        let server = scioc.serve(&[]);
        assert_eq!(login(&server, &home, "alice", PASSWORD, None).await.0, 200);
        assert_eq!(login(&server, &carols_home, "carol", PASSWORD, None).await.0, 200);
    }
    // A new process: nothing is cached, what it knows comes from the store.
    let server = scioc.serve(&[]);
    let mut statuses = Vec::new();
    let mut victims = Vec::new();
    let attack_start = Instant::now();
    for i in 0..30 {
        let user = if i % 2 == 0 { "alice" } else { "bob" };
        statuses.push(login(&server, &attacker, user, &format!("guess-{i}"), None).await.0);
        if i == 24 {
            victims.push(("alice from home", login(&server, &home, "alice", PASSWORD, None).await));
            victims.push(("bob from a new address", login(&server, &cafe, "bob", PASSWORD, None).await));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    eprintln!(
        "{backend:?}: attack of 40 guesses over {:?}: {checked} checked, {refused} refused; victims: {victims:?}",
        attack_start.elapsed()
    );
    // The attack lasts under 6 s, less than one failure takes to drain.
    assert_eq!((checked, refused), (20, 10), "ten guesses a user from one address, then 429: {statuses:?}");
    for (who, (status, took, _)) in &victims {
        assert_eq!(*status, 200, "{who} was refused during the attack");
        assert!(*took < Duration::from_secs(2), "{who} waited {took:?}");
    }

    // One failure for carol from each of twelve addresses: the name closes to new addresses …
    for i in 1..=12 {
        let (status, ..) = login(&server, &from(&format!("127.0.1.{i}")), "carol", "guess", None).await;
        assert!(status == 401 || status == 429, "{status}");
    }
    let (status, _, retry) = login(&server, &from("127.0.0.6"), "carol", PASSWORD, None).await;
    assert_eq!(status, 429, "a distributed attack on one name closes it to addresses it never used");
    assert!(retry.is_some_and(|s| s >= 1));
    // … but never to carol's own address.
    let (status, took, _) = login(&server, &carols_home, "carol", PASSWORD, None).await;
    assert_eq!(status, 200, "carol's own address stays open");
    assert!(took < Duration::from_secs(2));
}

/// The tester's second scenario: behind a proxy every client has the proxy's address. After 31
/// failures for sprayed names and one every 300 ms, a user who logged in through the proxy before
/// gets in; a user who never did is refused (nothing tells the two apart). With the proxy
/// declared (`--trusted-proxy`), `X-Forwarded-For` separates the clients, and a client that is
/// not the proxy cannot borrow another's address through the header.
async fn behind_a_proxy_known_users_pass_and_a_trusted_proxy_separates_clients(backend: Backend) {
    let scioc = Scioc::on(backend);
    for u in ["dave", "erin"] {
        scioc.add_user(u, "reader");
    }
    let proxy = from("127.0.0.8");
    {
        let server = scioc.serve(&[]);
        assert_eq!(login(&server, &proxy, "dave", PASSWORD, None).await.0, 200);
    }
    let server = scioc.serve(&[]);
    for i in 0..31 {
        let (status, ..) = login(&server, &proxy, &format!("spray-{i}"), "password1", None).await;
        assert!(status == 401 || status == 429);
    }
    // The flood goes on, one every 300 ms: the address drains one failure per 2 s, and the
    // flood takes each freed place. Right after it took one (a 401), the address is full for
    // the next 2 s: that is when dave and erin try.
    let (mut dave, mut erin) = (None, None);
    for i in 0..40 {
        let spray = login(&server, &proxy, &format!("spray-x{i}"), "password1", None).await;
        assert!(spray.0 == 401 || spray.0 == 429, "{spray:?}");
        if spray.0 == 401 && dave.is_none() {
            erin = Some(login(&server, &proxy, "erin", PASSWORD, None).await);
            dave = Some(login(&server, &proxy, "dave", PASSWORD, None).await);
        }
        if dave.is_some() && i >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (dave, erin) = (dave.unwrap(), erin.unwrap());
    eprintln!("{backend:?}: behind an undeclared proxy under a flood: dave (known) {dave:?}, erin (new) {erin:?}");
    assert_eq!(dave.0, 200, "a user who logged in through the proxy before is never refused");
    assert!(dave.1 < Duration::from_secs(2), "dave waited {:?}", dave.1);
    assert_eq!(erin.0, 429, "without --trusted-proxy a new user shares the flooded address");
    drop(server);

    let server = scioc.serve(&["--trusted-proxy", "127.0.0.8/32"]);
    for i in 0..31 {
        let (status, ..) = login(&server, &proxy, &format!("spray-{i}"), "password1", Some("203.0.113.66")).await;
        assert!(status == 401 || status == 429);
    }
    let attacker = login(&server, &proxy, "spray-last", "password1", Some("203.0.113.66")).await;
    assert_eq!(attacker.0, 429, "the attacker's own address is throttled");
    // The client wrote the left part itself; only the proxy's hop counts.
    let (status, took, _) = login(&server, &proxy, "erin", PASSWORD, Some("203.0.113.66, 198.51.100.7")).await;
    eprintln!("{backend:?}: behind a declared proxy: erin {status} in {took:?}");
    assert_eq!(status, 200, "erin is throttled on her own address");
    // Not from the proxy: the header is the client's claim and is ignored, so the attacker's
    // connection address is what counts (no failures there yet: the password is checked).
    let outsider = from("127.0.0.9");
    for _ in 0..10 {
        login(&server, &outsider, "dave", "guess", Some("127.0.0.8")).await;
    }
    assert_eq!(login(&server, &outsider, "dave", "guess", Some("127.0.0.8")).await.0, 429);
    assert_eq!(login(&server, &proxy, "dave", PASSWORD, None).await.0, 200, "dave's own address is not the outsider's");
}

/// Two nodes on one database share the throttle and what each learned of known addresses.
#[tokio::test]
async fn nodes_share_the_throttle_and_the_known_addresses() {
    let scioc = Scioc::on(Backend::Postgres);
    scioc.add_user("frank", "reader");
    let (one, two) = (scioc.serve(&[]), scioc.serve(&[]));
    let (home, attacker) = (from("127.0.0.3"), from("127.0.0.2"));
    assert_eq!(login(&one, &home, "frank", PASSWORD, None).await.0, 200, "frank logs in through node one");
    for i in 0..10 {
        assert_eq!(login(&one, &attacker, "frank", &format!("guess-{i}"), None).await.0, 401);
    }
    assert_eq!(login(&two, &attacker, "frank", "guess-10", None).await.0, 429, "node two knows node one's failures");
    let (status, took, _) = login(&two, &home, "frank", PASSWORD, None).await;
    assert_eq!(status, 200, "node two knows where frank logged in through node one");
    assert!(took < Duration::from_secs(2));
}
