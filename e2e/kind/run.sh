#!/usr/bin/env bash
# kind end-to-end: real Kubernetes, real LiveKit server, real runtime pods.
#   1. kind cluster (reused if it exists, e.g. created by helm/kind-action; else created and deleted afterwards)
#   2. build lkbrowser-runtime:ci + lkbrowser-operator:ci and `kind load` them (never :latest)
#   3. LiveKit server (--dev, devkey/secret) + a test page server + the credentials Secret (e2e/kind/manifests.ts)
#   4. helm install the chart with those images and the in-cluster LiveKit
#   5. kubectl apply examples/browsersession.yaml (pointed at the test page) and wait for phase Running + Ready
#   6. e2e/kind/verify-frames.ts through `kubectl port-forward`: red page in the frames, focus RPC, click → blue
# Needs: docker, kind, kubectl, helm, `npm ci` done (uses the pinned node_modules/.bin/node), registry access
# (kindest/node, livekit/livekit-server). Env: KIND_CLUSTER_NAME (lkb-e2e), IMAGE_TAG (ci), E2E_NAMESPACE (lkb-e2e),
# SKIP_BUILD=1 (images already built), KEEP_CLUSTER=1 (do not delete a cluster this script created).
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER="${KIND_CLUSTER_NAME:-lkb-e2e}"
TAG="${IMAGE_TAG:-ci}"
NS="${E2E_NAMESPACE:-lkb-e2e}"
export E2E_NAMESPACE="$NS"
export RUNTIME_IMAGE="lkbrowser-runtime:${TAG}"
OPERATOR_IMAGE="lkbrowser-operator:${TAG}"
LIVEKIT_IMAGE="${LIVEKIT_IMAGE:-livekit/livekit-server:v1.9.0}"
export LIVEKIT_IMAGE
NODE="${NODE:-$PWD/node_modules/.bin/node}"
PF_PORT="${PF_PORT:-17880}"
start=$SECONDS

log() { echo "kind-e2e [$((SECONDS - start))s]: $*" >&2; }
if [ "$TAG" = latest ]; then log "never use the tag latest in kind (imagePullPolicy Always)"; exit 2; fi
for bin in docker kind kubectl helm; do
  command -v "$bin" >/dev/null || { log "missing $bin"; exit 1; }
done
[ -x "$NODE" ] || { log "no pinned node at $NODE (run npm ci first)"; exit 1; }

created=0
pf_pid=""
cleanup() {
  rc=$?
  [ -n "$pf_pid" ] && kill "$pf_pid" 2>/dev/null || true
  if [ "$rc" != 0 ]; then
    log "FAILED (exit $rc); diagnostics:"
    kubectl get nodes -o wide || true
    kubectl get pods -A -o wide || true
    kubectl -n "$NS" get browsersessions -o yaml || true
    kubectl -n "$NS" get events --sort-by=.lastTimestamp | tail -n 40 || true
    kubectl -n lkb-system logs deploy/lkb-lkbrowser --tail=200 || kubectl -n lkb-system logs -l app.kubernetes.io/name=lkbrowser --tail=200 || true
    for p in $(kubectl -n "$NS" get pods -o name 2>/dev/null); do
      echo "--- $p"; kubectl -n "$NS" describe "$p" | tail -n 25 || true; kubectl -n "$NS" logs "$p" --all-containers --tail=150 || true
    done
  fi
  if [ "$created" = 1 ] && [ "${KEEP_CLUSTER:-0}" != 1 ]; then
    log "deleting cluster $CLUSTER"; kind delete cluster --name "$CLUSTER" || true
  fi
  exit "$rc"
}
trap cleanup EXIT

# 1. cluster
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "reusing kind cluster $CLUSTER"
else
  log "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 180s
  created=1
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

# 2. images
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/docker-build.sh runtime "$TAG"
  bash scripts/docker-build.sh operator "$TAG"
fi
docker image inspect "$LIVEKIT_IMAGE" >/dev/null 2>&1 || docker pull -q "$LIVEKIT_IMAGE"
log "kind load $RUNTIME_IMAGE $OPERATOR_IMAGE $LIVEKIT_IMAGE"
kind load docker-image "$RUNTIME_IMAGE" "$OPERATOR_IMAGE" "$LIVEKIT_IMAGE" --name "$CLUSTER"

# 3. LiveKit + test page + credentials
"$NODE" e2e/kind/manifests.ts infra | kubectl apply -f -
kubectl -n "$NS" rollout status deploy/livekit --timeout=180s
kubectl -n "$NS" rollout status deploy/testpage --timeout=180s

# 4. chart
log "helm install"
helm upgrade --install lkb helm/lkbrowser --namespace lkb-system --create-namespace --wait --timeout 180s \
  -f e2e/kind/helm-values.yaml --set image.tag="$TAG" --set runtime.image.tag="$TAG" \
  --set livekit.url="ws://livekit.${NS}.svc.cluster.local:7880"

# 5. the example BrowserSession
info="$("$NODE" e2e/kind/manifests.ts session-info)"
name="$("$NODE" -p "JSON.parse(process.argv[1]).name" "$info")"
room="$("$NODE" -p "JSON.parse(process.argv[1]).room" "$info")"
identity="$("$NODE" -p "JSON.parse(process.argv[1]).identity" "$info")"
"$NODE" e2e/kind/manifests.ts session | kubectl apply -f -
log "waiting for browsersession/$name: phase Running, condition Ready"
kubectl -n "$NS" wait "browsersession/$name" --for=jsonpath='{.status.phase}'=Running --timeout=300s
kubectl -n "$NS" wait "browsersession/$name" --for=condition=Ready --timeout=180s
kubectl -n "$NS" get browsersessions -o wide

# 6. frames, focus, click — seen by a subscriber outside the cluster
kubectl -n "$NS" port-forward svc/livekit "${PF_PORT}:7880" >/dev/null 2>&1 &
pf_pid=$!
for _ in $(seq 1 60); do
  (exec 3<>"/dev/tcp/127.0.0.1/${PF_PORT}") 2>/dev/null && break
  sleep 0.5
done
LIVEKIT_URL="ws://127.0.0.1:${PF_PORT}" LIVEKIT_ROOM="$room" BROWSER_IDENTITY="$identity" \
  LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=secret EXPECT_WIDTH=640 EXPECT_HEIGHT=360 \
  "$NODE" e2e/kind/verify-frames.ts
kubectl -n "$NS" logs deploy/testpage | grep -q clicked || { log "the test page never saw the click"; exit 1; }

# the session ends cleanly when deleted (operator finalizer/ownerRefs remove the pod)
kubectl -n "$NS" delete "browsersession/$name" --wait --timeout=120s
log "OK in $((SECONDS - start)) s"
