// Where the Go-built real servers live (scripts/tools/*.sh build them; versions in scripts/tools/versions.env).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** The tools cache, outside the repo: $LKB_TOOLS_DIR or ~/.cache/lkbrowser/tools. */
export function toolsDir(): string {
  return process.env.LKB_TOOLS_DIR ?? join(homedir(), '.cache', 'lkbrowser', 'tools');
}

/** The pinned versions (scripts/tools/versions.env is the one place they are written). */
export function toolVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(repoRoot, 'scripts/tools/versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)\s*(#.*)?$/.exec(line.trim());
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** Absolute path of a built tool binary, or an Error naming the script that builds it. */
export function toolPath(dirName: string, binary: string, buildScript: string): string {
  const p = join(toolsDir(), dirName, binary);
  if (!existsSync(p)) {
    throw new Error(`${binary} not found at ${p}: run \`bash scripts/tools/${buildScript}\` (scripts/setup.sh does)`);
  }
  return p;
}
