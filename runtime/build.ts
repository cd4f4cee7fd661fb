// Bundles the runtime (runtime/src/main.ts and every workspace and pure-JS package it imports) into one ES module,
// runtime/dist/lkbrowser-runtime.mjs: what the image runs. Node then parses one file instead of stripping types from
// ~100 TypeScript files and resolving ~300 modules, a third of the CPU before the engine host can be spawned
// (bench/startup.ts, "Node + runtime modules loaded"). @livekit/rtc-node stays a package: it loads its native FFI
// library relative to itself. The native engine's binaries are found through the @lkbrowser/native package
// (native/src/shm.ts), so the bundle works from any directory of an install that has that package.
// Usage: node runtime/build.ts   (npm run build -w runtime; the image's build stage runs it too)
// LKB_ESBUILD: where to import esbuild from (the image's build stage has no dev dependencies).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUNDLE, SOURCE_MAIN } from './entry-points.ts';

const { build } = (await import(process.env.LKB_ESBUILD ?? 'esbuild')) as typeof import('esbuild');
mkdirSync(dirname(BUNDLE), { recursive: true });
await build({
  entryPoints: [SOURCE_MAIN],
  outfile: BUNDLE,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external: ['@livekit/rtc-node'],
  // CommonJS packages in an ES module bundle call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __lkbCreateRequire } from 'node:module';\nconst require = __lkbCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log(`built ${BUNDLE}`);
