// Warm pools (docs/warm-pool.md): what tools and benchmarks outside the operator use.
export { claimKeyFrom } from './claim-secret.ts';
export { roomTokenMinter } from './claim-token.ts';
export { type BrowserPool, POOLS } from './types.ts';
