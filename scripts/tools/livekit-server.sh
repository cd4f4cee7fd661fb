#!/usr/bin/env bash
# Build the pinned livekit-server (github.com/livekit/livekit-server, main package ./cmd/server) with the Go
# toolchain into ~/.cache/lkbrowser/tools/livekit-server-<version>/livekit-server; reuse it when present; print
# its path on stdout (progress goes to stderr). The version is written once, in scripts/tools/versions.env.
#
# `go install …@version` refuses modules with replace directives, and livekit-server has three (pion forks). So the
# build runs from a generated throwaway module in the cache dir (never in the repo): it requires livekit-server at
# the pinned version and carries the same replace directives, copied from that version's own go.mod.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="${LIVEKIT_SERVER_VERSION:?LIVEKIT_SERVER_VERSION missing from versions.env}"
tools="${LKB_TOOLS_DIR:-$HOME/.cache/lkbrowser/tools}"
dir="$tools/livekit-server-$version"
bin="$dir/livekit-server"
mod="github.com/livekit/livekit-server"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "livekit-server.sh: the Go toolchain (go) is not on PATH" >&2; exit 1; }

mkdir -p "$tools"
work="$(mktemp -d "$tools/livekit-server-$version.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "livekit-server.sh: building $mod $version (cold build: several minutes)" >&2
cd "$work"
export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
go mod init lkbrowser.local/livekit-server-build >/dev/null 2>&1
go mod edit -require="$mod@$version"
srcdir="$(go mod download -json "$mod@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -f "$srcdir/go.mod" ] || { echo "livekit-server.sh: could not download $mod@$version" >&2; exit 1; }
# The server's own go directive and replace directives, so the graph resolves as in its release build.
go mod edit -go="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$srcdir/go.mod")"
sed -n 's/^replace \(.*\) => \(.*\) \(v[^ ]*\)$/\1=\2@\3/p' "$srcdir/go.mod" | while read -r r; do
  go mod edit -replace="$r"
done
go get "$mod/cmd/server@$version" >&2
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/livekit-server" "$mod/cmd/server"
"$work/livekit-server" --version >&2
mkdir -p "$dir"
mv -f "$work/livekit-server" "$bin"
echo "livekit-server.sh: built in $(($(date +%s) - start)) s" >&2
echo "$bin"
