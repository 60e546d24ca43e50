//! Versions and version ranges, exactly as each ecosystem orders them.
//!
//! Three things share this crate so that what is validated is what is matched:
//! - [`Version`]: one ecosystem's version, ordered by that ecosystem's rules ([`Scheme`]):
//!   SemVer 2.0 for npm, crates.io and Go, PEP 440 for PyPI, `Gem::Version` for RubyGems,
//!   NuGet's and Maven's own orderings.
//! - [`affects`]: whether a version falls in an OSV [`Range`](scioc_model::Range), with every
//!   event type (`introduced`, `fixed`, `last_affected`, `limit`) and several ranges. `GIT`
//!   ranges never match a package version, and only `introduced: "0"` with no upper bound
//!   means every version.
//! - [`Spec`]: a curated version specification (an exact version, `*`, an npm semver range, a
//!   PEP 440 specifier, a Cargo requirement, `< X` / `<= X`), parsed once, refused when it does
//!   not parse, and matched by the same value.
//!
//! ```
//! use scioc_model::{Range, RangeEvent, RangeKind};
//! use scioc_versions::{Scheme, affects};
//!
//! let mal_2023_462 = Range {
//!     kind: RangeKind::Semver,
//!     events: vec![RangeEvent::Introduced("1.0.0".into()), RangeEvent::Fixed("1.2.11".into())],
//! };
//! let scheme = Scheme::of("npm");
//! assert!(affects(scheme, std::slice::from_ref(&mal_2023_462), "1.2.10").is_yes());
//! assert!(!affects(scheme, std::slice::from_ref(&mal_2023_462), "2.3.3").is_yes());
//! ```
#![deny(missing_docs)]

mod ecosystem;
mod osv_form;
mod range;
mod spec;

pub use ecosystem::{Scheme, Version, VersionError};
pub use osv_form::NoOsvForm;
pub use range::{Coverage, RangeProblem, affects, check_range};
pub use spec::{Spec, SpecError};
