#!/usr/bin/env bash
# Generate the seccomp profile that lets Chromium use its own sandbox in a runtime pod:
# ~/.cache/lkbrowser/tools/seccomp-<version>/lkbrowser-chromium.json (reused when present); print its path on stdout
# (progress goes to stderr). It is containerd's RuntimeDefault profile at the pinned version (versions.env
# CONTAINERD_SECCOMP_VERSION; LKB_CONTAINERD_VERSION overrides it, e.g. to match your nodes' containerd) plus the
# rules scripts/tools/seccomp/main.go names. The generator is built from a throwaway module in the cache dir that
# requires github.com/containerd/containerd at that version; nothing of containerd is copied into the repository.
# Install it on every node as <kubelet root>/seccomp/lkbrowser/chromium.json and set the chart's
# runtime.seccompProfile=lkbrowser/chromium.json (README "Chromium's sandbox in the pod").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="${LKB_CONTAINERD_VERSION:-${CONTAINERD_SECCOMP_VERSION:?CONTAINERD_SECCOMP_VERSION missing from versions.env}}"
tools="${LKB_TOOLS_DIR:-$HOME/.cache/lkbrowser/tools}"
# The generator's own source is part of the key: a changed rule makes a new profile.
sum="$(sha256sum "$here/seccomp/main.go" | cut -c1-12)"
dir="$tools/seccomp-$version-$sum"
out="$dir/lkbrowser-chromium.json"

if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "seccomp-profile.sh: the Go toolchain (go) is not on PATH" >&2; exit 1; }

mkdir -p "$tools"
work="$(mktemp -d "$tools/seccomp-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$here/seccomp/main.go" "$work/main.go"
cd "$work"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
go mod init lkbrowser.local/seccomp-profile >/dev/null 2>&1
go mod edit -require="github.com/containerd/containerd@$version"
go mod tidy >&2
CGO_ENABLED=0 go build -trimpath -o "$work/gen" .
"$work/gen" >"$work/profile.json"
mkdir -p "$dir"
mv -f "$work/profile.json" "$out"
echo "seccomp-profile.sh: $out from containerd $version" >&2
echo "$out"
