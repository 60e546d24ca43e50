//! A fixture crate; only its Cargo.lock is used.
fn main() {}
