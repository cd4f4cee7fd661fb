// Bundles the demo page script (src/app.ts + livekit-client) into public/viewer.js for browsers.
// Usage: npm run build -w viewer   (or node viewer/build.ts [--watch])
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
await build({
  entryPoints: [`${here}src/app.ts`],
  outfile: `${here}public/viewer.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
console.log(`built ${here}public/viewer.js`);
