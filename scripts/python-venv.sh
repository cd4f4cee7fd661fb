#!/usr/bin/env bash
# The Python client's test dependencies (python/lkbrowser-client/requirements-test.txt, pinned) in a venv outside
# the repo, keyed by the requirements' hash so a change makes a new one: ~/.cache/lkbrowser/venv/<hash>/.
# Prints the venv's python. The client's own source is not installed: the tests put python/lkbrowser-client/src
# on PYTHONPATH, so a fresh clone in another folder tests its own code.
set -euo pipefail
cd "$(dirname "$0")/.."
req=python/lkbrowser-client/requirements-test.txt
hash=$(sha256sum "$req" | cut -c1-16)
venv="${LKB_CACHE_DIR:-$HOME/.cache/lkbrowser}/venv/$hash"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
