#!/usr/bin/env bash
# Concurrent writers against followers, for long enough to trust (issue 28, defect 1).
#
#   bash bench/concurrent-writers.sh [SECONDS_PER_BACKEND] [WRITERS]
#
# Runs the suite's test `concurrent_writers` with a longer run: WRITERS (default 4) processes of
# `scioc ingest entries -` append random batches of 1-6 undated entries, each piping its first
# line and the rest up to 60 ms later and pausing up to 100 ms, and an admin renames entries
# through the API, beside a
# running `scioc serve`; one follower walks the time API from `time_range.to` to `time_range.to`,
# another pulls. It passes when each follower saw every sequence number exactly once, on SQLite
# and on PostgreSQL (127.0.0.1:5432 or SCIOC_TEST_DATABASE_URL). Prints one line per backend with
# the batches, events and what each follower lost or repeated; figures in docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-300}
WRITERS=${2:-4}
SCIOC_WRITERS_SECS=$SECS SCIOC_WRITERS=$WRITERS \
  cargo test --release -p scioc --test it concurrent_writers -- --nocapture --test-threads 1 2>&1 |
  grep -E 'writer processes|^test |test result|panicked'
