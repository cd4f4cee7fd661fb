import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuMemRun, cpuByThreadRows, memByKindRows } from '../cpu-mem.ts';
import { threadGroup, type TreeUsage } from '../lib/common.ts';

test('threadGroup: process kind / thread name without its trailing number (table)', () => {
  const cases: Array<[kind: string, comm: string, want: string]> = [
    ['node', 'EncoderQueue', 'node/EncoderQueue'],
    ['node', 'worker_thread 0', 'node/worker_thread'],
    ['node', 'worker_thread 1', 'node/worker_thread'],
    ['node', 'tokio-rt-worker', 'node/tokio-rt-worker'],
    ['chromium:renderer', 'ThreadPoolForeg', 'chromium:renderer/ThreadPoolForeg'],
    ['chromium:renderer', 'chromium', 'chromium:renderer/chromium'],
    ['chromium:gpu-process', 'VizCompositorTh', 'chromium:gpu-process/VizCompositorTh'],
    ['xvfb', 'Xvfb', 'xvfb/Xvfb'],
    ['node', 'libuv-worker', 'node/libuv-worker'],
    ['node', 'v8-worker-12', 'node/v8-worker'],
    ['node', '1234', 'node/1234'],
    ['node', '  ', 'node/?'],
  ];
  for (const [kind, comm, want] of cases)
    assert.equal(threadGroup(kind, comm), want, `${kind} ${JSON.stringify(comm)}`);
});

function usage(cpuByThread: Record<string, number>, dirty: Record<string, number>): TreeUsage {
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    cpu: { total: sum(cpuByThread) },
    pssMiB: 0,
    rssMiB: 0,
    pssPeakMiB: 0,
    pssByKind: {},
    ussMiB: 0,
    ussByKind: {},
    dirtyMiB: sum(dirty),
    dirtyByKind: dirty,
    cpuByThread,
    processes: 1,
    seconds: 10,
  };
}

function run(kind: 'ours' | 'screencast', i: number, fps: number, pipeline: TreeUsage): CpuMemRun {
  const r = { kind, mode: 'x', scenario: 'anim', width: 1280, height: 720, run: i, pipeline } as const;
  return { ...r, sfuCpu: 0, viewerCpu: 0, publishedFps: fps, receivedFps: fps, wheelEvents: 0, loadavg: '' };
}

test('cpuByThreadRows: busiest thread groups first, median over runs, ms per delivered frame', () => {
  const runs = [
    run('ours', 0, 30, usage({ 'node/EncoderQueue': 15, 'chromium:renderer/chromium': 9, 'xvfb/Xvfb': 0.01 }, {})),
    run('ours', 1, 30, usage({ 'node/EncoderQueue': 18, 'chromium:renderer/chromium': 6 }, {})),
    run('ours', 2, 30, usage({ 'node/EncoderQueue': 16, 'chromium:renderer/chromium': 8 }, {})),
    run('screencast', 0, 20, usage({ 'chromium:renderer/chromium': 40 }, {})),
  ];
  const rows = cpuByThreadRows(runs, 8);
  assert.equal(rows.length, 2);
  const col = 'busiest threads: % of one core (CPU ms per delivered frame)';
  // EncoderQueue median 16 % at 30 fps = 5.3 ms per frame; renderer 8 %; the 0.01 % Xvfb is left out
  assert.equal(rows[0]?.[col], 'node/EncoderQueue 16.0 (5.3 ms/f) · chromium:renderer/chromium 8.0 (2.7 ms/f)');
  assert.equal(rows[1]?.[col], 'chromium:renderer/chromium 40.0 (20.0 ms/f)');
  assert.equal(cpuByThreadRows(runs, 1)[0]?.[col], 'node/EncoderQueue 16.0 (5.3 ms/f)');
});

test('memByKindRows(dirty): median Private_Dirty per kind and of the tree', () => {
  const runs = [
    run('ours', 0, 30, usage({}, { node: 90, 'chromium:browser': 36 })),
    run('ours', 1, 30, usage({}, { node: 92, 'chromium:browser': 30 })),
    run('ours', 2, 30, usage({}, { node: 91, 'chromium:browser': 40 })),
  ];
  assert.deepEqual(memByKindRows(runs, 'dirty'), [
    { case: 'anim 1280x720', pipeline: 'ours', 'chromium:browser': '36', node: '91', total: '126' },
  ]);
});
