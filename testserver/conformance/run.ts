// Conformance: run @livekit/rtc-node's own e2e suite (shipped in its npm package under src/tests,
// vitest) against this test server. Not part of `npm test` (it is long and CPU-heavy on 2 cores).
// Usage: node testserver/conformance/run.ts [--runs N] [--max-concurrency N] [vitest filter...]
// Prints per-test results and "conformance: P/T passed"; exit code 0 only if everything passed.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startTestServer } from '../src/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '1' },
    // the suite's concurrent data-stream tests time out on 2 contended cores at higher values
    'max-concurrency': { type: 'string', default: '1' },
  },
});

const require = createRequire(import.meta.url);
/** The package directory of `name` (its exports may not include package.json). */
function packageRoot(name: string): string {
  const entry = require.resolve(name);
  const marker = `/node_modules/${name}/`;
  const i = entry.lastIndexOf(marker);
  if (i < 0) throw new Error(`cannot locate ${name} from ${entry}`);
  return entry.slice(0, i + marker.length - 1);
}
const rtcNodeRoot = packageRoot('@livekit/rtc-node');
const vitestBin = join(packageRoot('vitest'), 'vitest.mjs');

interface AssertionResult {
  fullName: string;
  status: string;
  duration?: number;
  failureMessages?: string[];
}
interface JsonReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; assertionResults: AssertionResult[] }>;
}

async function runOnce(run: number): Promise<JsonReport> {
  const server = await startTestServer({ logger: pino({ level: process.env.TESTSERVER_LOG_LEVEL ?? 'warn' }) });
  const out = await mkdtemp(join(tmpdir(), 'lkb-conformance-'));
  const report = join(out, 'report.json');
  // vitest's default exclude (**/node_modules/**) would hide the suite, so a config clears it
  const config = join(out, 'vitest.config.mjs');
  await writeFile(
    config,
    `export default { test: { root: ${JSON.stringify(rtcNodeRoot)}, include: ['src/tests/**/*.test.ts'], exclude: [] } };\n`,
  );
  try {
    const args = [
      vitestBin,
      'run',
      '--config',
      config,
      '--root',
      rtcNodeRoot,
      '--maxConcurrency',
      values['max-concurrency'] ?? '1',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...(positionals.length ? positionals : ['e2e']),
    ];
    console.log(`# run ${run}: ${server.url} (rtc-node ${rtcNodeRoot})`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, args, {
        stdio: 'inherit',
        env: {
          ...process.env,
          LIVEKIT_URL: server.url,
          LIVEKIT_API_KEY: server.apiKey,
          LIVEKIT_API_SECRET: server.apiSecret,
        },
      });
      child.on('exit', (c) => resolve(c ?? 1));
    });
    const json = JSON.parse(await readFile(report, 'utf8')) as JsonReport;
    console.log(`# run ${run}: vitest exit ${code}`);
    return json;
  } finally {
    await server.close();
    await rm(out, { recursive: true, force: true });
  }
}

const runs = Number(values.runs);
let allPassed = true;
for (let i = 1; i <= runs; i++) {
  const r = await runOnce(i);
  const failed = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed'));
  for (const f of failed) console.log(`FAILED: ${f.fullName}\n  ${(f.failureMessages?.[0] ?? '').split('\n')[0]}`);
  console.log(`conformance run ${i}: ${r.numPassedTests}/${r.numTotalTests} passed, ${r.numFailedTests} failed`);
  if (r.numFailedTests > 0 || r.numPassedTests !== r.numTotalTests) allPassed = false;
}
process.exit(allPassed ? 0 : 1);
