//! Maven versions, ordered as maven-artifact 3.x's `ComparableVersion` orders them; hand-written because no well-kept
//! crate implements it.
//!
//! The rules implemented (the text is lower-cased first, so everything is case-insensitive):
//! - Items: the text splits at `.`, at `-` and where ASCII digits meet other characters. An item is an integer (any
//!   size), a qualifier (a string) or a list. A `-`, and a switch between digits and letters, starts a sub-list that
//!   holds the rest of the version, so `1.0-alpha-1` and `1.0alpha1` are both `[1, 0, [alpha, [1]]]`. An empty item
//!   (`1..2`, `1.-x`) is the integer 0.
//! - Aliases: a lone `a`, `b` or `m` directly followed by a digit is `alpha`, `beta` or `milestone`; `cr` is `rc`;
//!   `ga`, `final` and `release` are the empty qualifier.
//! - Trimming: each list, innermost first, drops its "null" items (0, the empty qualifier, an empty list) from the end,
//!   stepping over non-empty sub-lists, so `1.0-0` is `[1]` and `1.0-alpha` is `[1, [alpha]]`.
//! - Qualifiers: `alpha < beta < milestone < rc < snapshot < "" < sp`, then every other qualifier, lexically.
//! - An integer is above a qualifier and above a list; a list is above a qualifier. Lists compare item by item.
//! - A missing item (the shorter list's end) is "null": an integer is above it unless 0, a qualifier compares with it
//!   as with `""`, and a list compares its items with it in turn until one differs (MNG-6964).
//!
//! Unknown qualifiers stay above `sp`, as before MNG-7559 (Maven 4 orders them before the release). Only ASCII digits
//! count as digits. Empty text and text with whitespace or control characters are refused; anything else is a version.

use std::cmp::Ordering;
use std::fmt;
use std::mem;

/// The known qualifiers, in order; unknown ones come after them.
const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// The rank of the empty qualifier, which a release has.
const RELEASE: usize = 5;

/// A Maven version, ordered as `ComparableVersion` orders it.
#[derive(Debug, Clone)]
pub struct Version {
    /// The text as given.
    text: String,
    /// The trimmed items, which decide the order.
    items: Vec<Item>,
}

impl Version {
    /// Parses `text`; the error says what was expected.
    fn read_text(text: &str) -> Result<Version, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err("expected a version such as 1.2.3 or 1.0-SNAPSHOT, found nothing".to_owned());
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("expected no whitespace or control characters inside the version, found {c:?}"));
        }
        Ok(Version { text: text.to_owned(), items: read(&trimmed.to_lowercase()) })
    }

    /// Whether this is a pre-release: it has an `alpha`, `beta`, `milestone`, `rc` (`cr`) or `snapshot` qualifier.
    pub fn is_prerelease(&self) -> bool {
        self.items.iter().any(Item::is_prerelease)
    }
}

/// One item of a version.
#[derive(Debug, Clone)]
enum Item {
    /// An integer's digits without leading zeros, so zero is empty.
    Int(String),
    /// A qualifier: its rank in `KNOWN` (the length of `KNOWN` when unknown), then the name of an unknown one.
    Qualifier(usize, String),
    /// A sub-list, started by `-` or by a switch between digits and letters.
    List(Vec<Item>),
}

impl Item {
    /// The item a token (lower-cased) makes, aliases resolved; an empty token is 0.
    fn new(token: &str, digits: bool, followed_by_digit: bool) -> Item {
        if digits || token.is_empty() {
            return Item::Int(token.trim_start_matches('0').to_owned());
        }
        let name = match token {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            "cr" => "rc",
            "ga" | "final" | "release" => "",
            other => other,
        };
        match KNOWN.iter().position(|known| *known == name) {
            Some(rank) => Item::Qualifier(rank, String::new()),
            None => Item::Qualifier(KNOWN.len(), name.to_owned()),
        }
    }

    /// Whether trimming drops the item from the end of a list.
    fn is_null(&self) -> bool {
        match self {
            Item::Int(digits) => digits.is_empty(),
            Item::Qualifier(rank, _) => *rank == RELEASE,
            Item::List(items) => items.is_empty(),
        }
    }

    /// Whether the item holds a qualifier below the release (`alpha` to `snapshot`).
    fn is_prerelease(&self) -> bool {
        match self {
            Item::Int(_) => false,
            Item::Qualifier(rank, _) => *rank < RELEASE,
            Item::List(items) => items.iter().any(Item::is_prerelease),
        }
    }

    /// Orders the item against a missing one.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(digits) if digits.is_empty() => Ordering::Equal,
            Item::Int(_) => Ordering::Greater,
            Item::Qualifier(rank, _) => rank.cmp(&RELEASE),
            Item::List(items) => first_difference(items.iter().map(Item::cmp_null)),
        }
    }

    /// Orders two items.
    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Qualifier(a, x), Item::Qualifier(b, y)) => (a, x).cmp(&(b, y)),
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
            (Item::Int(_), _) | (Item::List(_), Item::Qualifier(..)) => Ordering::Greater,
            (Item::Qualifier(..), _) | (Item::List(_), Item::Int(_)) => Ordering::Less,
        }
    }
}

/// Orders two lists item by item, a missing item counting as "null".
fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let len = a.len().max(b.len());
    first_difference((0..len).map(|i| match (a.get(i), b.get(i)) {
        (Some(x), Some(y)) => x.cmp_item(y),
        (Some(x), None) => x.cmp_null(),
        (None, Some(y)) => y.cmp_null().reverse(),
        (None, None) => Ordering::Equal,
    }))
}

/// The first ordering that is not `Equal`.
fn first_difference(mut orders: impl Iterator<Item = Ordering>) -> Ordering {
    orders.find(|order| order.is_ne()).unwrap_or(Ordering::Equal)
}

/// The list with its null items dropped from the end, stepping over non-empty sub-lists.
fn trim_nulls(mut items: Vec<Item>) -> Vec<Item> {
    let start = items.iter().rposition(|item| !item.is_null() && !matches!(item, Item::List(_))).map_or(0, |i| i + 1);
    let mut tail = items.split_off(start);
    tail.retain(|item| !item.is_null());
    items.append(&mut tail);
    items
}

/// The trimmed items of lower-cased `text`. While reading, the lists that `-` and digit/letter switches open are kept
/// flat (each one belongs at the end of the one before it); they are nested and trimmed innermost first at the end.
fn read(text: &str) -> Vec<Item> {
    let (mut outer, mut current, mut token, mut digits) = (Vec::new(), Vec::new(), String::new(), false);
    for c in text.chars() {
        let (separator, digit) = (c == '.' || c == '-', c.is_ascii_digit());
        let switch = !separator && digit != digits && !token.is_empty();
        if separator || switch {
            current.push(Item::new(&token, digits, digit));
            token.clear();
        }
        if c == '-' || switch {
            outer.push(mem::take(&mut current));
        }
        if !separator {
            digits = digit;
            token.push(c);
        }
    }
    if !token.is_empty() {
        current.push(Item::new(&token, digits, false));
    }
    outer.into_iter().rev().fold(trim_nulls(current), |inner, mut list| {
        list.push(Item::List(inner));
        trim_nulls(list)
    })
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::version_from_str!(Maven);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn assert_ascending(versions: &str) {
        super::super::order_tests::ascending(v, versions);
    }

    fn assert_equal(versions: &str) {
        super::super::order_tests::equal(v, versions);
    }

    #[test]
    fn orders_as_maven_tests_do() {
        // `ComparableVersionTest`'s qualifier and number tables.
        assert_ascending(
            "1-alpha2snapshot 1-alpha2 1-alpha-123 1-beta-2 1-beta123 1-m2 1-m11 1-rc 1-cr2 1-rc123 1-SNAPSHOT 1 1-sp \
             1-sp2 1-sp123 1-abc 1-def 1-pom-1 1-1-snapshot 1-1 1-2 1-123",
        );
        assert_ascending(
            "2.0 2-1 2.0.a 2.0.0.a 2.0.2 2.0.123 2.1.0 2.1-a 2.1b 2.1-c 2.1-1 2.1.0.1 2.2 2.123 11.a2 11.a11 11.b2 \
             11.b11 11.m2 11.m11 11 11.a 11b 11c 11m",
        );
        assert_ascending("2.0-1 2.0.1 2.0.1-klm 2.0.1-lmn 2.0.1-xyz 2.0.1-123");
        // MNG-5568 (transitivity), MNG-6572 (integers of any size), MNG-6964 (a sub-list that starts with 0).
        assert_ascending("6.1.0rc3 6.1.0 6.1H.5-beta");
        assert_ascending("20190126.230843 1234567890.12345 123456789012345.1H.5-beta 12345678901234567890.1H.5-beta");
        assert_ascending("1-0.alpha 1-0.beta 1");
    }

    #[test]
    fn orders_pre_releases_releases_and_service_packs() {
        assert_ascending(
            "0.2 1.0-alpha-1-SNAPSHOT 1.0-alpha-1 1.0-alpha-2 1.0-beta-1 1.0-rc1 1-snapshot 1 1-sp 1.0-1 1.0-2 1.0.1 \
             1.1 1.2.0 1.5 2",
        );
    }

    #[test]
    fn equal_after_trimming_and_aliases() {
        assert_equal("1 1.0 1.0.0 1-0 1.0-0 1-ga 1-final 1.0.RELEASE 1GA 1Final 0001");
        assert_equal("1a 1-a 1.0-a 1.0.0-a 1.0a 1.0.0a 1A");
        assert_equal("1x 1-x 1.0-x 1.0.0-x 1.0x 1X");
        assert_equal("1cr 1rc 1-RC 1Cr");
        assert_equal("1a1 1-alpha-1 1alpha1");
        assert_equal("1b2 1-beta-2");
        assert_equal("1m3 1-milestone-3 1MileStone3 1MILESTONE3");
        assert_equal("1-abcdefghijklmnopqrstuvwxyz 1-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        assert_equal("0 0000 0.0");
        assert_equal("1..2 1.0.2");
    }

    #[test]
    fn knows_pre_releases_refuses_blanks_and_keeps_the_text() {
        for text in "1.0-SNAPSHOT 1.0-alpha-1 1.0a1 1.0-M2 1.0.CR1 1.0-rc 1-0.beta".split_whitespace() {
            assert!(v(text).is_prerelease(), "{text}");
        }
        for text in "1.0 1.0-sp1 1.0.RELEASE 1.0-a 1.0-redhat-1 1.0.Final".split_whitespace() {
            assert!(!v(text).is_prerelease(), "{text}");
        }
        for text in ["", "   ", "1.0 beta", "1.0\u{7}", "1.0\u{0}"] {
            assert!(Version::from_str(text).is_err(), "{text:?}");
        }
        assert_eq!(v("1.0-SNAPSHOT").to_string(), "1.0-SNAPSHOT");
    }
}
