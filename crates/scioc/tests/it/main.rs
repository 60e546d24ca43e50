//! Integration tests: the real `scioc` binary, a real server on an ephemeral port, real sockets,
//! a real SQLite store in a temporary directory.
#![allow(unreachable_pub)]

mod admin;
mod analyze;
mod api;
mod archives;
mod ci_recipe;
mod concurrent_writers;
mod config;
mod console;
mod copy;
mod curation;
mod cursors;
mod errors;
mod fake_registry;
mod firewall;
mod firewall_clients;
mod firewall_hostile;
mod first_hour;
mod guard_lists;
mod hardening;
mod history;
mod ingest;
mod live_feed;
mod logins;
mod multinode;
mod one_answer;
mod osv;
mod osv_api;
mod osv_snapshot;
mod page_rule;
mod reclassify;
mod scan;
mod scan_real;
mod scan_rules;
mod schemathesis;
mod sdk_compat;
mod sources;
mod support;
mod sync;
mod tidy;
mod tls;
mod users;
mod verdicts;
