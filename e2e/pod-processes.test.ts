// sandboxEvidence (e2e/cluster/pod-processes.ts): which of a pod's Chromium renderers show Chromium's own sandbox
// (a user and pid namespace beyond the container's, more seccomp filters than the runtime). Table test, no cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PodProcess, sandboxEvidence } from './cluster/pod-processes.ts';

const proc = (pid: number, cmdline: string, over: Partial<PodProcess> = {}): PodProcess => ({
  pid,
  cmdline,
  userNs: 'user:[1]',
  pidNs: 'pid:[10]',
  seccomp: 2,
  seccompFilters: 1,
  nsPids: [pid, pid - 100],
  ...over,
});
const runtime = proc(200, 'node runtime/dist/lkbrowser-runtime.mjs');
const tini = proc(150, '/usr/bin/tini -- node runtime/dist/lkbrowser-runtime.mjs');
const browser = (flags: string) =>
  proc(300, `/usr/lib/chromium/chromium ${flags} --user-data-dir=/tmp/x -- about:blank`);
const renderer = (over: Partial<PodProcess>) => proc(400, '/usr/lib/chromium/chromium --type=renderer --lang=en', over);
const inSandbox = { userNs: 'user:[2]', pidNs: 'pid:[11]', seccompFilters: 2, nsPids: [400, 300, 5, 1] };

test('sandboxEvidence: a renderer counts as sandboxed only with every sign of it', () => {
  const cases: Array<[string, PodProcess[], number]> = [
    ['sandboxed renderer', [tini, runtime, browser(''), renderer(inSandbox)], 1],
    ['--no-sandbox: container namespaces', [runtime, browser('--no-sandbox'), renderer({})], 0],
    ['own user ns, same seccomp filters', [runtime, browser(''), renderer({ ...inSandbox, seccompFilters: 1 })], 0],
    ['same user ns', [runtime, browser(''), renderer({ ...inSandbox, userNs: 'user:[1]' })], 0],
    ['same pid ns depth', [runtime, browser(''), renderer({ ...inSandbox, nsPids: [400, 300] })], 0],
    ['no runtime process found: nothing to compare with', [browser(''), renderer(inSandbox)], 0],
  ];
  for (const [name, procs, n] of cases) {
    const ev = sandboxEvidence(procs);
    assert.equal(ev.sandboxedRenderers.length, n, name);
    assert.equal(ev.renderers.length, 1, name);
  }
  const ev = sandboxEvidence([tini, runtime, browser('--no-sandbox'), renderer({})]);
  assert.equal(ev.runtime?.pid, 200, 'node, not tini');
  assert.equal(ev.browser?.pid, 300);
});
