import assert from 'node:assert/strict';
import { test } from 'node:test';
import { README_END, README_START, renderPerfTable, spliceBetweenMarkers } from '../lib/readme-table.ts';

const meta = {
  started: '2026-12-01T18:30:00.000Z',
  finished: '2026-12-01T18:41:00.000Z',
  server: 'livekit-server 1.13.5',
  codec: 'ours vp8, screencast vp8',
  machine: '2 cores AMD EPYC, 24 GiB',
  loadStart: '3.1',
  loadRange: '2.0–9.5',
  runs: 1,
  pipelines: ['ours', 'screencast'],
  quick: false,
};

test('the table states when, where, server, codec, machine and load, then the summary rows', () => {
  const out = renderPerfTable([{ metric: 'CPU %', ours: '3.0', screencast: '2.5', 'screencast/ours': '0.83x' }], meta);
  for (const want of [
    '2026-12-01 18:30–18:41 UTC',
    'livekit-server 1.13.5',
    'codec ours vp8',
    '2 cores AMD EPYC',
    'load average 3.1',
    '2.0–9.5',
  ])
    assert.ok(out.includes(want), want);
  assert.match(out, /\| CPU % +\| 3\.0 +\| 2\.5 +\| 0\.83x +\|/);
});

test('splice replaces only what is between the markers, and refuses a file without them', () => {
  const doc = `intro\n${README_START}\nold table\n${README_END}\nafter\n`;
  assert.equal(spliceBetweenMarkers(doc, 'new'), `intro\n${README_START}\nnew\n${README_END}\nafter\n`);
  assert.equal(spliceBetweenMarkers(spliceBetweenMarkers(doc, 'a'), 'b'), spliceBetweenMarkers(doc, 'b'));
  assert.throws(() => spliceBetweenMarkers('no markers', 'x'), /markers not found/);
});
