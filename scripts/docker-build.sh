#!/usr/bin/env bash
# Build an lkbrowser image the same way everywhere (CI here, laptops, GitHub Actions).
#
#   scripts/docker-build.sh runtime  [TAG]   # Dockerfile.runtime  → lkbrowser-runtime:${TAG:-dev}
#   scripts/docker-build.sh operator [TAG]   # Dockerfile.operator → lkbrowser-operator:${TAG:-dev}
#   scripts/docker-build.sh runtime-cef [TAG]  # runtime:TAG + CEF (Dockerfile.runtime-cef) → lkbrowser-runtime-cef:${TAG:-dev}
#
# - Starts a Docker daemon if none answers (scripts/docker-ensure.sh).
# - If the base image (debian:bookworm-slim) is missing and debootstrap is available as root, builds it locally
#   (scripts/docker-base-image.sh) — for machines that cannot pull. Otherwise `docker build` pulls it as usual.
# - Builds with `--network host` (no bridge networks are needed or created).
# - Uses BuildKit when the buildx plugin exists, else the legacy builder (Debian's docker.io has no buildx).
# - Passes the build host's extra CA certificates (LKB_EXTRA_CA_FILE, default: /usr/local/share/ca-certificates/*.crt)
#   to the build stage so npm works behind TLS-intercepting proxies; they do not reach the final image.
# Env: LKB_DOCKER_BUILD_ARGS (extra args for docker build, e.g. "--no-cache"), LKB_BASE_IMAGE.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"
tag="${2:-dev}"
case "$what" in
  runtime) dockerfile=Dockerfile.runtime; image="lkbrowser-runtime:${tag}" ;;
  operator) dockerfile=Dockerfile.operator; image="lkbrowser-operator:${tag}" ;;
  runtime-cef) dockerfile=Dockerfile.runtime-cef; image="lkbrowser-runtime-cef:${tag}" ;;
  *) echo "usage: $0 runtime|operator|runtime-cef [tag]" >&2; exit 2 ;;
esac
if [ "$tag" = latest ]; then
  echo "docker-build: refusing the tag 'latest' (kind would use imagePullPolicy Always); pick e.g. ci or dev" >&2
  exit 2
fi
log() { echo "docker-build: $*" >&2; }

if [ "$what" = runtime-cef ]; then
  # The lean runtime image first (cached layers when unchanged), then CEF on top from a staged context: the CEF
  # runtime (scripts/tools/cef.sh, cached) and the host binary (native/cef-host/build.sh) are not in the repository.
  bash "$0" runtime "$tag"
  cef_dir="$(bash scripts/tools/cef.sh)"
  bash native/cef-host/build.sh
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  install -m 0755 native/build/Release/lkb-cef-host "$ctx/lkb-cef-host"
  # Hard links when the cache is on the same filesystem (the context is streamed to dockerd either way).
  cp -al "$cef_dir" "$ctx/cef" 2>/dev/null || cp -a "$cef_dir" "$ctx/cef"
  rm -f "$ctx/cef/cef_dll_sys_bindings.rs" "$ctx/cef/.complete" "$ctx/cef/chrome-sandbox" # build input; unused (no_sandbox)
  start=$SECONDS
  export DOCKER_BUILDKIT=0 # a plain COPY-only build: the legacy builder works everywhere
  # shellcheck disable=SC2086
  docker build --network host -f "$PWD/$dockerfile" -t "$image" --build-arg "RUNTIME_IMAGE=lkbrowser-runtime:${tag}" \
    ${LKB_DOCKER_BUILD_ARGS:-} "$ctx"
  size="$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
  log "built $image in $((SECONDS - start)) s ($size)"
  exit 0
fi

bash scripts/docker-ensure.sh

base="${LKB_BASE_IMAGE:-debian:bookworm-slim}"
if ! docker image inspect "$base" >/dev/null 2>&1; then
  if command -v debootstrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    LKB_BASE_IMAGE="$base" bash scripts/docker-base-image.sh
  else
    log "$base not present locally; docker build will pull it"
  fi
fi

args=(build --network host -f "$dockerfile" -t "$image" --build-arg "BASE_IMAGE=$base")
ca_pem=""
if [ -n "${LKB_EXTRA_CA_FILE:-}" ]; then
  ca_pem="$(cat "$LKB_EXTRA_CA_FILE")"
else
  shopt -s nullglob
  for f in /usr/local/share/ca-certificates/*.crt; do ca_pem+="$(cat "$f")"$'\n'; done
  shopt -u nullglob
fi
if [ -n "$ca_pem" ]; then
  args+=(--build-arg "EXTRA_CA_CERTS=$ca_pem")
fi
# shellcheck disable=SC2206
args+=(${LKB_DOCKER_BUILD_ARGS:-} .)

if docker buildx version >/dev/null 2>&1; then
  export DOCKER_BUILDKIT=1
else
  export DOCKER_BUILDKIT=0 # legacy builder; prints a deprecation notice, works without buildx
fi

start=$SECONDS
log "docker ${args[*]:0:6} ... (BuildKit=${DOCKER_BUILDKIT})"
docker "${args[@]}"
size="$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
log "built $image in $((SECONDS - start)) s ($size)"
