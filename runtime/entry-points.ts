// Where the runtime's command starts: the TypeScript source (development) and the bundle that the image runs
// (runtime/build.ts). Tests and benchmarks spawn the bundle, built fresh from the current sources once per process
// (esbuild, well under a second), so they check what ships and never a stale build.
import { execFileSync } from 'node:child_process';

export const SOURCE_MAIN = new URL('./src/main.ts', import.meta.url).pathname;
export const BUNDLE = new URL('./dist/lkbrowser-runtime.mjs', import.meta.url).pathname;

let built = false;

export function freshBundle(): string {
  if (!built) {
    execFileSync(process.execPath, [new URL('./build.ts', import.meta.url).pathname], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    built = true;
  }
  return BUNDLE;
}
