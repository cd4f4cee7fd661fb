// The one test command for the whole repo: Node's built-in runner over every workspace's tests.
// Files run one at a time: media tests share 2 cores with Chromium, Xvfb and the test SFU.
// Usage: npm test [-- <path-substring> ...]   (filters test files by substring)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeSfu } from '@lkbrowser/testkit';

const root = new URL('..', import.meta.url).pathname;
const testDirs = [
  'testkit/test',
  'protocol/test',
  'cli/test',
  'native/test',
  'testserver/test',
  'runtime/test',
  'client/test',
  'examples/agents/test',
  'operator/test',
  'viewer/test',
  'e2e',
  'helm/test',
  'scripts/test',
  'bench/test',
];

function collect(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // a workspace without tests yet
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
}

const filters = process.argv.slice(2);
const files: string[] = [];
for (const d of testDirs) collect(join(root, d), files);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
console.log(`lkbrowser tests on node ${process.version}: ${selected.length} files; room server: ${describeSfu()}`);
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=600000', '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
