import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bestMatch,
  decodeTapFile,
  encodeTapRecord,
  gridSize,
  lumaGridBgra,
  lumaGridY,
  psnr,
} from '../lib/frame-quality.ts';

function bgra(width: number, height: number, px: (x: number, y: number) => [number, number, number]): Uint8Array {
  const f = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y);
      f.set([b, g, r, 255], (y * width + x) * 4);
    }
  return f;
}

test('BT.601 limited-range luma: black 16, white 235, and the grid takes every 4th pixel of every 4th row', () => {
  const cases: [string, [number, number, number], number][] = [
    ['black', [0, 0, 0], 16],
    ['white', [255, 255, 255], 235],
    ['pure green', [0, 255, 0], 144],
  ];
  for (const [what, rgb, want] of cases)
    assert.equal(
      lumaGridBgra(
        bgra(8, 8, () => rgb),
        8,
        8,
      )[0],
      want,
      what,
    );
  const g = lumaGridBgra(
    bgra(10, 6, (x) => (x === 4 ? [255, 255, 255] : [0, 0, 0])),
    10,
    6,
  );
  assert.deepEqual(gridSize(10, 6), { gw: 3, gh: 2 });
  assert.deepEqual([...g], [16, 235, 16, 16, 235, 16]);
});

test('the Y-plane grid samples the same points', () => {
  const y = new Uint8Array(10 * 6).map((_, i) => i);
  assert.deepEqual([...lumaGridY(y, 10, 6)], [0, 4, 8, 40, 44, 48]);
});

test('PSNR: identical grids give the cap, one step of error everywhere ≈ 48.1 dB, size mismatch NaN', () => {
  const a = new Uint8Array(100).fill(100);
  assert.equal(psnr(a, a), 60);
  assert.ok(Math.abs(psnr(a, new Uint8Array(100).fill(101)) - 48.13) < 0.01);
  assert.ok(Number.isNaN(psnr(a, new Uint8Array(99))));
});

test('bestMatch picks the closest captured frame from the window before arrival, never a later one', () => {
  const g = (v: number) => new Uint8Array(16).fill(v);
  const captured = [
    { at: 0, grid: g(10) },
    { at: 900, grid: g(50) },
    { at: 1000, grid: g(52) },
    { at: 1200, grid: g(51) }, // after the arrival: not a candidate
  ];
  assert.ok(Math.abs(bestMatch(g(51), 1100, captured) - psnr(g(51), g(52))) < 1e-9);
  assert.ok(Number.isNaN(bestMatch(g(51), 5000, captured)), 'nothing captured in the second before');
});

test('tap records round-trip, and a record cut off at the end is dropped', () => {
  const grid = new Uint8Array(gridSize(8, 4).gw * gridSize(8, 4).gh).fill(7);
  const buf = Buffer.concat([encodeTapRecord(12.5, 8, 4, grid), encodeTapRecord(13.5, 8, 4, grid)]);
  const all = decodeTapFile(buf);
  assert.deepEqual(
    all.map((r) => [r.at, r.width, r.height, r.grid.length]),
    [
      [12.5, 8, 4, 2],
      [13.5, 8, 4, 2],
    ],
  );
  assert.equal(decodeTapFile(buf.subarray(0, buf.length - 1)).length, 1);
});
