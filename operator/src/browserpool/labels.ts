// Labels and annotations of pool pods. The state label is what a claim changes, atomically (resourceVersion
// precondition), so two sessions never get the same runtime.
export const POOL_LABEL = 'lkbrowser.dev/pool';
/** 'standby' (unclaimed) or 'claimed'. */
export const POOL_STATE_LABEL = 'lkbrowser.dev/pool-state';
export const STANDBY = 'standby';
export const CLAIMED = 'claimed';
/** uid of the claiming BrowserSession (a label, so a session finds its runtime by selector). */
export const CLAIMED_BY_UID_LABEL = 'lkbrowser.dev/claimed-by-uid';
/** `<namespace>/<name>` of the claiming BrowserSession. */
export const CLAIMED_BY_ANNOTATION = 'lkbrowser.dev/claimed-by';
/** metadata.generation of the session when it claimed (a later spec change releases the runtime). */
export const CLAIMED_GENERATION_ANNOTATION = 'lkbrowser.dev/claimed-generation';
export const CLAIMED_AT_ANNOTATION = 'lkbrowser.dev/claimed-at';
/** 'true' once the runtime accepted the claim (POST /claim answered 202, or 409 to a repeat of ours). */
export const CLAIM_DELIVERED_ANNOTATION = 'lkbrowser.dev/claim-delivered';
/** Random per pod; the claim secret is HMAC(operator key, namespace/name/nonce) (claim-secret.ts). */
export const CLAIM_NONCE_ANNOTATION = 'lkbrowser.dev/claim-nonce';
