#!/usr/bin/env bash
# Provide the Dockerfiles' base image (FROM debian:bookworm-slim) on a machine that cannot pull from any registry.
#
# If the image already exists locally (imported earlier, or pulled on a normal Docker host), do nothing.
# Otherwise: debootstrap --variant=minbase bookworm from the Debian mirror, configure it like Docker Hub's
# debian:bookworm-slim (bookworm + bookworm-updates + bookworm-security sources, no docs/man/locales, apt cache
# cleaning), then `docker import` it under the same name. On a host with registry access nothing of this is needed:
# `docker build` pulls debian:bookworm-slim normally.
#
# Env: LKB_BASE_IMAGE (default debian:bookworm-slim), LKB_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#      LKB_FORCE_BASE=1 to re-import even if the image exists.
set -euo pipefail

image="${LKB_BASE_IMAGE:-debian:bookworm-slim}"
mirror="${LKB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { echo "docker-base-image: $*" >&2; }

if [ "${LKB_FORCE_BASE:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image already present"
  exit 0
fi

command -v debootstrap >/dev/null || { log "debootstrap not installed (apt-get install debootstrap)"; exit 1; }
[ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }

lock=/run/lkb-base-image.lock
exec 9>"$lock"
flock 9
if [ "${LKB_FORCE_BASE:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image was imported meanwhile"
  exit 0
fi

work="$(mktemp -d /var/tmp/lkb-rootfs.XXXXXX)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
rootfs="$work/rootfs"

start=$SECONDS
log "debootstrap --variant=minbase bookworm from $mirror (~40 s)"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  log "debootstrap failed; last lines:"
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

# Same apt sources as the Hub image (deb822 file, security + updates included).
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# "slim": no docs/man/locales installed by later apt-get runs (as in Hub's debian:*-slim).
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
log "debootstrap done in $((SECONDS - start)) s; importing as $image"

tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
log "imported $image in $((SECONDS - start)) s total ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
