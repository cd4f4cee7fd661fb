// Every API permission the operator needs: one table, checked against the requests the operator really makes
// (operator/test/rbac.test.ts) and against the chart's ClusterRole/Role (same test), so neither can drift.
export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: string[];
  /** Where the permission is needed: the watched namespaces, or the operator's own (leader election). */
  scope: 'watched' | 'operator';
}

export const REQUIRED_PERMISSIONS: Permission[] = [
  { apiGroup: 'lkbrowser.dev', resource: 'browsersessions', verbs: ['list', 'watch'], scope: 'watched' },
  { apiGroup: 'lkbrowser.dev', resource: 'browsersessions/status', verbs: ['patch'], scope: 'watched' },
  { apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'watch', 'create', 'delete'], scope: 'watched' },
  // The per-session token Secret: written, never read (no get/list/watch: tenants' Secrets stay unreadable).
  { apiGroup: '', resource: 'secrets', verbs: ['create', 'update'], scope: 'watched' },
  // The runtime NetworkPolicy of each session namespace (written, never read).
  { apiGroup: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['create', 'update'], scope: 'watched' },
  { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'], scope: 'watched' },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'operator' },
];
