#!/usr/bin/env bash
# Runs Tavle's whole test suite: formatting, lints, and every test.
# The PostgreSQL half of the store and server tests runs when TAVLE_TEST_POSTGRES_URL is set,
# e.g. TAVLE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test ./test.sh
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${TAVLE_TEST_POSTGRES_URL:-}" ]; then
  echo "test.sh: TAVLE_TEST_POSTGRES_URL is not set; running the SQLite half only." >&2
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
