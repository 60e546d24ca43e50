#!/usr/bin/env bash
# What the merge on aliases (claims, issue 17 §3) costs an import: `scioc ingest osv` of the
# whole snapshot into a feed holding the starter set, this build against a baseline binary built
# from a commit before the claims (hyperfine, 3 runs each, same machine, same run):
#   git worktree add /tmp/base 3cfba56 && (cd /tmp/base && cargo build --release --bin scioc)
#   bash bench/claims.sh /tmp/base/target/release/scioc
set -euo pipefail
BASE=${1:?usage: bash bench/claims.sh BASELINE_SCIOC_BINARY}
exec bash "$(dirname "$0")/import-vs.sh" "$BASE" "baseline (no claims)" "with claims"
