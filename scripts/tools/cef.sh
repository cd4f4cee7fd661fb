#!/usr/bin/env bash
# Fetches the CEF runtime and its C API bindings by package name + version (scripts/tools/versions.env) into
# ~/.cache/lkbrowser/tools/cef-<version>/ (reused when complete) and prints that directory.
#   libcef.so, *.pak, locales/, icudtl.dat, v8_context_snapshot.bin, ...  <- Maven Central, JCEF natives jar
#   cef_dll_sys_bindings.rs                                              <- crates.io, cef-dll-sys (bindgen of include/capi)
# Nothing here is committed; native/cef-host builds against this directory (LKB_CEF_DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
dest="${LKB_TOOLS_DIR:-$HOME/.cache/lkbrowser/tools}/cef-$CEF_VERSION"
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi
for t in mvn cargo tar unzip; do command -v "$t" >/dev/null || { echo "cef.sh: $t not found" >&2; exit 1; }; done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. The runtime: JCEF's native bundle carries a stock CEF binary distribution's Release/ + Resources/.
mvn -q -B dependency:get -Dartifact="$CEF_JCEF_NATIVES" -Dtransitive=false >&2
IFS=: read -r group artifact version <<<"$CEF_JCEF_NATIVES"
jar="${M2_REPO:-$HOME/.m2/repository}/${group//.//}/$artifact/$version/$artifact-$version.jar"
unzip -q -o "$jar" '*.tar.gz' -d "$work/jar"
mkdir -p "$work/cef"
tar -xzf "$work"/jar/*.tar.gz -C "$work/cef"
rm -f "$work/cef/libjcef.so" "$work/cef/jcef_helper" # JCEF's own JNI parts: not used
got="$(strings -n 8 "$work/cef/libcef.so" | grep -m1 -E "^$CEF_VERSION\+g[0-9a-f]+\+chromium-" || true)"
[ -n "$got" ] || { echo "cef.sh: libcef.so in $CEF_JCEF_NATIVES is not CEF $CEF_VERSION" >&2; exit 1; }

# 2. The C API: cef-dll-sys' pre-generated bindings (its build.rs would download CEF; we never build it).
mkdir -p "$work/fetch"
cat >"$work/fetch/Cargo.toml" <<TOML
[package]
name = "lkb-cef-fetch"
version = "0.0.0"
edition = "2021"
[lib]
path = "lib.rs"
[dependencies]
cef-dll-sys = { version = "=$CEF_DLL_SYS_VERSION", default-features = false }
TOML
touch "$work/fetch/lib.rs"
(cd "$work/fetch" && cargo fetch -q --target x86_64-unknown-linux-gnu >&2)
crate="$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"cef-dll-sys-$CEF_DLL_SYS_VERSION.crate" | head -1)"
tar -xzf "$crate" -C "$work" "cef-dll-sys-$CEF_DLL_SYS_VERSION/src/bindings/x86_64_unknown_linux_gnu.rs"
b="$work/cef-dll-sys-$CEF_DLL_SYS_VERSION/src/bindings/x86_64_unknown_linux_gnu.rs"
grep -q "CEF_VERSION: &\[u8; [0-9]*\] = b\"$CEF_VERSION+" "$b" || { echo "cef.sh: bindings are not for CEF $CEF_VERSION" >&2; exit 1; }
cp "$b" "$work/cef/cef_dll_sys_bindings.rs"
echo "$got" >"$work/cef/cef_version.txt"

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/cef" "$dest"
touch "$dest/.complete"
echo "$dest"
