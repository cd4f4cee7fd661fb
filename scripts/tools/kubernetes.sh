#!/usr/bin/env bash
# Builds the pinned Kubernetes control plane + node binaries, etcd and helm with the Go toolchain (Go module proxy)
# into $LKB_TOOLS_DIR (default ~/.cache/lkbrowser/tools)/<name>-<version>/. Reuses what is present. Nothing fetched
# enters the repo: each build happens in a throwaway module inside the cache.
#   kubernetes-<v>/ : kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl (one `go build`), and
#                     pause (the pod sandbox's process, compiled with cc -static from the module's build/pause/linux)
#   etcd-<v>/       : etcd
#   helm-<v>/       : helm
# Versions: scripts/tools/versions.env. Usage: bash scripts/tools/kubernetes.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
tools="${LKB_TOOLS_DIR:-$HOME/.cache/lkbrowser/tools}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0
command -v go >/dev/null || { echo "kubernetes.sh: the Go toolchain is needed (go not on PATH)" >&2; exit 1; }

log() { echo "tools/kubernetes: $*" >&2; }
mkdir -p "$tools"
# One build at a time per cache (several worktrees share it): a second run waits, then finds the binaries present.
exec 9>"$tools/.kubernetes.lock"
flock 9
# A build goes to <dir>.tmp and is renamed when complete, so a half-built directory is never taken as present.
have() { local dir=$1; shift; for b in "$@"; do [ -x "$dir/$b" ] || return 1; done; }

# The go.mod of module $1 at version $2, from the module cache (downloaded through the proxy if missing).
gomod_of() { go mod download -json "$1@$2" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p'; }

# ---- Kubernetes: k8s.io/kubernetes has `replace k8s.io/x => ./staging/src/k8s.io/x` for every staging module, so it
# cannot be `go install`ed at a version. The throwaway module requires it and replaces each staging module by its
# published v0.<minor>.<patch> release (the same source, tagged with the release).
kube_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
kube_dir="$tools/kubernetes-$KUBERNETES_VERSION"
if have "$kube_dir" "${kube_bins[@]}"; then
  log "kubernetes $KUBERNETES_VERSION present in $kube_dir"
else
  t0=$SECONDS
  work="$kube_dir.tmp"
  rm -rf "$work" && mkdir -p "$work/src"
  kmod="$(gomod_of k8s.io/kubernetes "$KUBERNETES_VERSION")"
  [ -f "$kmod" ] || { log "cannot fetch k8s.io/kubernetes@$KUBERNETES_VERSION"; exit 1; }
  staging_version="v0.${KUBERNETES_VERSION#v1.}"
  go_line="$(grep -m1 '^go ' "$kmod")"
  {
    echo "module lkbrowser.local/kube-tools"
    echo
    echo "$go_line"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    # Every `k8s.io/x => ./staging/...` line of the real go.mod becomes `k8s.io/x => k8s.io/x v0.y.z`.
    sed -n 's#^\s*\(k8s\.io/[A-Za-z0-9._/-]*\) => \./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$kmod"
    echo ")"
  } >"$work/src/go.mod"
  n_replaced="$(grep -c "=> k8s.io/" "$work/src/go.mod" || true)"
  n_staging="$(grep -c '=> ./staging/' "$kmod" || true)"
  [ "$n_replaced" = "$n_staging" ] && [ "$n_staging" -gt 0 ] || { log "staging replace list mismatch ($n_replaced/$n_staging)"; exit 1; }
  # Non-staging replace directives of the real go.mod would be lost; refuse rather than build something different.
  if awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r||/^replace /' "$kmod" | grep -v '=> ./staging/' | grep -q '=>'; then
    log "k8s.io/kubernetes $KUBERNETES_VERSION has non-staging replace directives; extend this script"; exit 1
  fi
  major="${KUBERNETES_VERSION#v}"; major="${major%%.*}"
  minor="${KUBERNETES_VERSION#v*.}"; minor="${minor%%.*}"
  ver_flags=""
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ver_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ver_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "building kubernetes $KUBERNETES_VERSION (${kube_bins[*]}) in one go build"
  (
    cd "$work/src"
    go mod download k8s.io/kubernetes
    # -mod=mod fills go.sum for the packages built (the module graph is the real go.mod's, pruned as usual).
    go build -mod=mod -trimpath -ldflags="-s -w$ver_flags" -o "$work/" \
      "${kube_bins[@]/#/k8s.io/kubernetes/cmd/}"
  )
  rm -rf "$work/src"
  rm -rf "$kube_dir" && mv "$work" "$kube_dir"
  log "kubernetes $KUBERNETES_VERSION built in $((SECONDS - t0)) s"
fi

# ---- pause: the pod sandbox process (the image registry.k8s.io/pause holds just this binary). Compiled from the
# k8s.io/kubernetes module's own source in the module cache (static, like its Makefile), never copied into the repo.
if have "$kube_dir" pause; then
  log "pause present in $kube_dir"
else
  command -v cc >/dev/null || { log "pause needs a C compiler (cc; the Debian package g++ brings gcc)"; exit 1; }
  kdir="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  src="$kdir/build/pause/linux/pause.c"
  [ -f "$src" ] || { log "no $src in the module cache"; exit 1; }
  pause_tag="$(sed -n 's/^TAG ?= //p' "$kdir/build/pause/Makefile")"
  cc -Os -Wall -Werror -static -DVERSION="v$pause_tag-lkb" -o "$kube_dir/pause.tmp" "$src"
  mv "$kube_dir/pause.tmp" "$kube_dir/pause"
  echo "$pause_tag" >"$kube_dir/pause.version"
  log "pause $pause_tag built"
fi

# ---- etcd: the server binary is the main package go.etcd.io/etcd/server/v3, whose go.mod replaces its sibling
# modules by relative paths; the throwaway module pins those siblings at the same release instead.
etcd_dir="$tools/etcd-$ETCD_VERSION"
if have "$etcd_dir" etcd; then
  log "etcd $ETCD_VERSION present in $etcd_dir"
else
  t0=$SECONDS
  work="$etcd_dir.tmp"
  rm -rf "$work" && mkdir -p "$work/src"
  emod="$(gomod_of go.etcd.io/etcd/server/v3 "$ETCD_VERSION")"
  [ -f "$emod" ] || { log "cannot fetch go.etcd.io/etcd/server/v3@$ETCD_VERSION"; exit 1; }
  {
    echo "module lkbrowser.local/etcd-tools"
    echo
    grep -m1 '^go ' "$emod"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo
    echo "replace ("
    sed -n 's#^\s*\(go\.etcd\.io/etcd/[A-Za-z0-9./-]*\) => \.\./.*#\t\1 => \1 '"$ETCD_VERSION"'#p' "$emod"
    echo ")"
  } >"$work/src/go.mod"
  log "building etcd $ETCD_VERSION"
  (
    cd "$work/src"
    go mod download go.etcd.io/etcd/server/v3
    go build -mod=mod -trimpath -ldflags="-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3
  )
  rm -rf "$work/src"
  rm -rf "$etcd_dir" && mv "$work" "$etcd_dir"
  log "etcd $ETCD_VERSION built in $((SECONDS - t0)) s"
fi

# ---- helm: no replace directives, so `go install` at the version works. The Makefile's -X flags set the version
# and the default Kubernetes version `helm template`/`helm lint` assume (from the k8s.io/client-go it requires).
helm_dir="$tools/helm-$HELM_VERSION"
if have "$helm_dir" helm; then
  log "helm $HELM_VERSION present in $helm_dir"
else
  t0=$SECONDS
  work="$helm_dir.tmp"
  rm -rf "$work" && mkdir -p "$work"
  hmod="$(gomod_of helm.sh/helm/v3 "$HELM_VERSION")"
  cg="$(sed -n 's#^\s*k8s\.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$hmod" | head -1)"
  [ -n "$cg" ] || { log "cannot read helm's k8s.io/client-go version"; exit 1; }
  flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    flags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$cg"
  done
  log "building helm $HELM_VERSION"
  GOBIN="$work" go install -trimpath -ldflags="$flags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$helm_dir" && mv "$work" "$helm_dir"
  log "helm $HELM_VERSION built in $((SECONDS - t0)) s"
fi
