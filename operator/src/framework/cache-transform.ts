// What informer caches drop from every object (InformerOptions.transform): fields no reader uses that make up much
// of an object's size. managedFields (server-side apply bookkeeping, often larger than the spec) and kubectl's
// last-applied-configuration annotation (a second copy of the whole object). Mutates the freshly parsed object:
// nothing else holds it yet.
import type { KubeObject } from './kube-types.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export function withoutBookkeeping<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  if (!meta) return obj;
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED_ANNOTATION in meta.annotations) {
    delete meta.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return obj;
}
