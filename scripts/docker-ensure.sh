#!/usr/bin/env bash
# Make sure a Docker daemon answers on this machine; start one if not. Idempotent.
#
# - If `docker info` already works (Docker Desktop, a GitHub runner, a systemd-managed daemon), do nothing.
# - Otherwise start Debian's `dockerd` (package docker.io) as root in the background with
#   `--bridge=none --iptables=false`: containers and builds use `--network host` only, so the daemon must not
#   create docker0 or touch the firewall. Its log goes to ${LKB_DOCKERD_LOG:-/var/log/lkb-dockerd.log}.
# - Waits up to ${LKB_DOCKERD_WAIT:-60} s for the daemon to answer; exits non-zero with the log tail if it does not.
set -euo pipefail

log() { echo "docker-ensure: $*" >&2; }

if ! command -v docker >/dev/null 2>&1; then
  log "no docker client on PATH (install the Debian package docker.io)"
  exit 1
fi

if docker info >/dev/null 2>&1; then
  log "daemon already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "no daemon answers and no dockerd binary (install the Debian package docker.io)"
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  log "no daemon answers and starting dockerd needs root (run as root or start Docker yourself)"
  exit 1
fi

logfile="${LKB_DOCKERD_LOG:-/var/log/lkb-dockerd.log}"
lock=/run/lkb-dockerd.lock
exec 9>"$lock"
flock 9
# Someone else may have started it while we waited for the lock.
if docker info >/dev/null 2>&1; then
  log "daemon came up meanwhile"
  exit 0
fi

pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  log "removing stale $pidfile"
  rm -f "$pidfile"
fi

if [ -f "$pidfile" ]; then
  log "dockerd (pid $(cat "$pidfile")) is running but not answering yet; waiting"
else
  # Docker-in-Docker on a cgroup v2 host (e.g. a privileged CI job container): processes must leave the root
  # cgroup before controllers can be delegated, or runc fails with "cannot enter cgroupv2 ... invalid state".
  # Same fix as docker:dind's entrypoint; only inside a container and only with a pure cgroup2 mount.
  if [ -f /.dockerenv ] && [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && [ "${LKB_DIND_CGROUP_FIX:-1}" = 1 ]; then
    log "cgroup v2 inside a container: moving processes to /sys/fs/cgroup/init and enabling controllers"
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control || true
  fi
  log "starting dockerd (--bridge=none --iptables=false), log: $logfile"
  # setsid + nohup: the daemon outlives this script and the test process that called it.
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false --userland-proxy=false \
    --pidfile "$pidfile" >>"$logfile" 2>&1 </dev/null &
fi

deadline=$((SECONDS + ${LKB_DOCKERD_WAIT:-60}))
until docker info >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "dockerd did not answer within ${LKB_DOCKERD_WAIT:-60} s; last log lines:"
    tail -n 30 "$logfile" >&2 || true
    exit 1
  fi
  sleep 0.5
done
log "daemon ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
