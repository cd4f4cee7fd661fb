// The checks only the operator can make on a spec the API server accepted (the CRD's schema and CEL rules are
// the API server's job, never repeated here): what depends on the operator's configuration or on how the spec
// reaches the runtime. Admission policy of the cluster admin (issue #12) is a separate step in the reconciler.
import type { ResolvedSpec } from './resolved-spec.ts';

/** The runtime refuses longer identities (runtime/src/config.ts), and LiveKit's limit is the same. */
export const MAX_IDENTITY_LENGTH = 128;

/** Human-readable problems; empty when the operator can run the session. */
export function checkSpec(r: ResolvedSpec): string[] {
  const problems: string[] = [];
  // The default runtime image has no CEF; without an admin-configured CEF image the engine is not offered.
  if (r.spec.engine === 'cef' && !r.cefOffered) {
    problems.push('spec.engine cef is not offered by this operator (it has no --cef-runtime-image)');
  }
  if (!r.livekitUrl) problems.push('the operator has no --livekit-url: ask the cluster admin to set livekit.url');
  // Without spec.participant.identity the identity is metadata.name, which may be up to 253 characters.
  if (r.identity.length > MAX_IDENTITY_LENGTH) {
    problems.push(
      `the participant identity (spec.participant.identity, else metadata.name) must be at most ${MAX_IDENTITY_LENGTH} characters, got ${r.identity.length}`,
    );
  }
  // These reach the runtime as comma-separated environment variables (pod-spec.ts runtimeEnv): a comma would split one.
  for (const [i, o] of (r.spec.navigation.allowedOrigins ?? []).entries()) {
    if (o.includes(',')) problems.push(`spec.navigation.allowedOrigins[${i}] must not contain a comma`);
  }
  for (const [i, id] of (r.spec.focus.priorityIdentities ?? []).entries()) {
    if (id.includes(',')) problems.push(`spec.focus.priorityIdentities[${i}] must not contain a comma`);
  }
  return problems;
}
