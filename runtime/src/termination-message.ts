// The text Kubernetes shows as the runtime container's termination message (status, events, kubectl describe):
// why it stopped, without credentials. rtc-node's join errors quote the token ("401 Unauthorized - invalid token:
// eyJ…"); a JWT is replaced by <token>. At most 2000 characters (the kubelet keeps 4096 bytes).
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

export function terminationMessage(reason: string): string {
  return reason.replace(JWT, '<token>').slice(0, 2000);
}
