#!/usr/bin/env bash
# Materialises the patched crates that Cargo.toml's [patch.crates-io] points at.
#
# For each folder patches/<crate>-<version>/, this fetches that exact release from crates.io
# (through cargo, so the registry's checksum is verified), copies it to
# patched-crates/<crate>-<version>/ and applies the folder's *.patch files in name order.
# patches/README.md says why each patch exists and when it can go.
#
# Cargo cannot load this workspace until these folders exist, so `npm run setup` runs this
# before any cargo command. Safe to re-run: a folder whose patches are unchanged is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'patch-crates: %s\n' "$*" >&2; exit 1; }
command -v patch >/dev/null || fail "the 'patch' command is missing (Debian: apt-get install patch)"

out=patched-crates
mkdir -p "$out"
for dir in patches/*/; do
  dir=${dir%/}
  id=$(basename "$dir")                # e.g. cranelift-codegen-0.137.1
  crate=${id%-*}
  version=${id##*-}
  dest="$out/$id"
  stamp=$(cat "$dir"/*.patch | cksum | awk '{print $1}')
  if [ -f "$dest/.loop-patched" ] && [ "$(cat "$dest/.loop-patched")" = "$stamp" ]; then
    echo "$id: up to date"
    continue
  fi

  # A throwaway package that depends on exactly this release: `cargo metadata` downloads it
  # and says where its source is.
  fetch="$out/.fetch-$id"
  rm -rf "$fetch"
  mkdir -p "$fetch"
  cat >"$fetch/Cargo.toml" <<EOF
[package]
name = "fetch-patched-crate"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
path = "lib.rs"

[dependencies]
$crate = { version = "=$version", default-features = false }

[workspace]
EOF
  : >"$fetch/lib.rs"
  src=$(cargo metadata --quiet --format-version 1 --manifest-path "$fetch/Cargo.toml" |
    node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const [name, version] = process.argv.slice(1);
        const pkg = JSON.parse(s).packages.find((p) => p.name === name && p.version === version);
        if (!pkg) process.exit(1);
        console.log(require("node:path").dirname(pkg.manifest_path));
      });' "$crate" "$version") || fail "could not fetch $crate $version from crates.io"
  rm -rf "$fetch"

  # Build the patched copy beside the old one and swap it in only when every patch applied.
  rm -rf "$dest.tmp"
  cp -R "$src" "$dest.tmp"
  chmod -R u+w "$dest.tmp"
  for p in "$dir"/*.patch; do
    patch --quiet --forward --strip=1 --directory="$dest.tmp" <"$p" ||
      fail "$p does not apply to $crate $version"
  done
  echo "$stamp" >"$dest.tmp/.loop-patched"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  echo "$id: patched ($(ls "$dir"/*.patch | wc -l) patch(es))"
done
