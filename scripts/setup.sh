#!/usr/bin/env bash
# One command that installs everything loop-kit needs on a fresh Debian machine and then runs the
# hello example: apt packages, the pinned Rust toolchain and wasm targets, the patched crates
# (patches/README.md), npm packages, the release build of loop-host and the TypeScript build.
#
# Safe to re-run: each step skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

step "apt packages"
mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | awk 'NF {print $1}')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || fail "apt-get not found; install these packages yourself: ${missing[*]}"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all present: ${wanted[*]}"
fi

step "Rust toolchain (rust-toolchain.toml)"
command -v rustup >/dev/null || fail "rustup not found; install it from https://rustup.rs and run this again"
# RUSTUP_AUTO_INSTALL may be 0, so install the pinned toolchain and its wasm targets explicitly.
rustup toolchain install
rustc --version

step "patched crates (patches/README.md)"
bash scripts/patch-crates.sh

step "npm packages"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi

step "loop-host (release build)"
cargo build --release --locked -p loop-host

step "TypeScript packages"
npm run --silent build

step "hello example"
npx loop component build examples/hello
hello=$(npx loop component build examples/hello --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).wasm))')
npx loop run --env GREETING="welcome to loop-kit" "$hello" from setup

printf '\n\033[1mloop-kit is ready.\033[0m Try: npx loop run %s a b --env GREETING=hi\n' "${hello#"$root"/}"
