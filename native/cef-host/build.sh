#!/usr/bin/env bash
# Builds the CEF engine host: fetches CEF + its C API bindings (scripts/tools/cef.sh, cached), compiles the
# crate (no crates.io dependencies) and puts the binary next to lkb-host in native/build/Release/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
LKB_CEF_DIR="$(bash "$here/../../scripts/tools/cef.sh")"
export LKB_CEF_DIR
cargo build --release --offline --quiet --manifest-path "$here/Cargo.toml"
mkdir -p "$here/../build/Release"
install -m 0755 "$here/target/release/lkb-cef-host" "$here/../build/Release/lkb-cef-host"
