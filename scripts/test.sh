#!/usr/bin/env bash
# The whole test suite: Rust unit tests, TypeScript unit tests, then end-to-end tests that build
# the examples from source and run them through the real `loop` CLI and `loop-host`.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob

echo "== build: loop-host (release) and the TypeScript packages"
cargo build --release --locked -p loop-host
npm run --silent build

echo "== rust unit tests"
cargo test --release --locked -p loop-host

echo "== typescript unit tests"
unit=(packages/*/test/**/*.test.ts)
if ((${#unit[@]})); then
  node --conditions=source --import tsx --test --test-reporter=spec "${unit[@]}"
fi

echo "== end-to-end tests"
e2e=(tests/**/*.test.ts)
node --conditions=source --import tsx --test --test-reporter=spec "${e2e[@]}"
