// The automation endpoint's bearer token rule. Pure.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Tokens shorter than this are refused (a guessable token would open the page to anyone who reaches the port). */
export const MIN_TOKEN_LENGTH = 24;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Why `token` (the file's content, trimmed) cannot be used, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `shorter than ${MIN_TOKEN_LENGTH} characters`;
  if (/\s/.test(token)) return 'contains white space';
  return undefined;
}

/** `Authorization: Bearer <token>`, compared in constant time (over digests, so lengths do not leak either). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (tokenProblem(token) !== undefined) return false;
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1] as string), digest(token));
}
