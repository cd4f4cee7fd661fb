// Every API permission the operator needs: one table, checked against the chart's ClusterRole/Role (both ways:
// operator/test/rbac.test.ts), enforced by the real authorizer (test/integration/rbac.test.ts) and pinned to the
// requests the operator really makes in the audit log of helm/test/operator-on-chart.test.ts (every request is in
// the table; every entry is requested there, or says in `notInAudit` why not), so none can drift.
export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: string[];
  /** Where the permission is needed: the watched namespaces, or the operator's own (leader election). */
  scope: 'watched' | 'operator';
  /** Why the chart test's audit log shows no request for it (a rare path, or a check that is not a request). */
  notInAudit?: Partial<Record<string, string>>;
  /** Needed only with this feature on (`--warm-pools`; the chart grants it with `warmPools.enabled`). */
  feature?: 'warmPools';
}

export const REQUIRED_PERMISSIONS: Permission[] = [
  { apiGroup: 'lkbrowser.dev', resource: 'browsersessions', verbs: ['list', 'watch'], scope: 'watched' },
  { apiGroup: 'lkbrowser.dev', resource: 'browsersessions/status', verbs: ['patch'], scope: 'watched' },
  {
    apiGroup: 'lkbrowser.dev',
    resource: 'browsersessions/finalizers',
    verbs: ['update'],
    scope: 'watched',
    notInAudit: {
      update:
        'not a request: the OwnerReferencesPermissionEnforcement admission plugin demands it of whoever creates a pod ' +
        'whose ownerReference sets blockOwnerDeletion',
    },
  },
  {
    apiGroup: '',
    resource: 'pods',
    verbs: ['get', 'list', 'watch', 'create', 'delete'],
    scope: 'watched',
    notInAudit: { get: 'only when a pod create answers AlreadyExists for a pod the cache does not show' },
  },
  // The per-session Secrets (join token; spec.automation's bearer token): written, never read (no get/list/watch:
  // tenants' Secrets stay unreadable).
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: ['create', 'update'],
    scope: 'watched',
    notInAudit: {
      update:
        'only when a token is renewed before it expires, a Secret planted under its name is overwritten, or an ' +
        'automation Secret is rewritten by a new operator process',
    },
  },
  // The runtime NetworkPolicy of each session namespace (written, never read).
  {
    apiGroup: 'networking.k8s.io',
    resource: 'networkpolicies',
    verbs: ['create', 'update'],
    scope: 'watched',
    notInAudit: { update: 'only when the namespace already has one (written by an earlier operator process)' },
  },
  { apiGroup: 'events.k8s.io', resource: 'events', verbs: ['create'], scope: 'watched' },
  // Warm pools (docs/warm-pool.md): pools are read, their status written; their pods are claimed by a merge patch
  // with a resourceVersion precondition (pods create/delete are above). No write to pools' specs: they are the
  // admin's (kubectl scale goes through browserpools/scale as the admin, not the operator).
  {
    apiGroup: 'lkbrowser.dev',
    resource: 'browserpools',
    verbs: ['list', 'watch'],
    scope: 'watched',
    feature: 'warmPools',
  },
  {
    apiGroup: 'lkbrowser.dev',
    resource: 'browserpools/status',
    verbs: ['patch'],
    scope: 'watched',
    feature: 'warmPools',
  },
  {
    apiGroup: 'lkbrowser.dev',
    resource: 'browserpools/finalizers',
    verbs: ['update'],
    scope: 'watched',
    feature: 'warmPools',
    notInAudit: {
      update:
        'not a request: OwnerReferencesPermissionEnforcement demands it of whoever creates a pod owned by a pool ' +
        'with blockOwnerDeletion',
    },
  },
  { apiGroup: '', resource: 'pods', verbs: ['patch'], scope: 'watched', feature: 'warmPools' },
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'operator' },
];
