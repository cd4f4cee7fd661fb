#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (as root) to run lkbrowser: system packages, npm deps (incl. the pinned
# Node 22 toolchain), native engine host + addon, viewer bundle, the Go-built test servers. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  # shellcheck disable=SC2046
  apt-get install -y -qq --no-install-recommends $(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$') >/dev/null
else
  echo "setup: not root, skipping apt-get (packages listed in .ci/apt-packages.txt)" >&2
fi
npm ci --no-audit --no-fund
npm run build
# The real LiveKit server (tests, benchmarks and the demo run against it): built with the Go toolchain into
# ~/.cache/lkbrowser/tools/ (outside the repo), reused when present. Without Go the demo falls back to the test SFU,
# and the tests need LKB_TEST_SFU=testserver.
if command -v go >/dev/null; then
  bash scripts/tools/livekit-server.sh >/dev/null
else
  echo "setup: no Go toolchain: livekit-server not built (demo: test SFU; tests: set LKB_TEST_SFU=testserver)" >&2
fi
# Real Kubernetes control plane (etcd, kube-apiserver, …), kubectl and helm for the operator/chart/CRD tests:
# built once with Go into ~/.cache/lkbrowser/tools (cold: tens of minutes on 2 cores, then reused).
if command -v go >/dev/null; then
  bash scripts/tools/kubernetes.sh
  # Chromium's seccomp profile for runtime pods (containerd's RuntimeDefault + the sandbox's rules; the cluster e2e)
  bash scripts/tools/seccomp-profile.sh >/dev/null
else
  echo "setup: no Go toolchain: Kubernetes test binaries not built (operator/helm/CRD tests will fail)" >&2
fi
# The Python client's test venv (pinned deps from PyPI, outside the repo; reused when present).
bash scripts/python-venv.sh >/dev/null
