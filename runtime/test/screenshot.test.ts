import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { clipRegion, copyRgb, encodePng, parseScreenshotRequest, scaledSize } from '../src/screenshot.ts';

test('screenshot requests', () => {
  assert.deepEqual(parseScreenshotRequest(''), { ok: true, req: { scale: 1 } });
  assert.deepEqual(parseScreenshotRequest('{"scale":0.5,"region":{"x":1,"y":2,"width":3,"height":4}}'), {
    ok: true,
    req: { scale: 0.5, region: { x: 1, y: 2, width: 3, height: 4 } },
  });
  for (const bad of [
    'x',
    '[]',
    '{"scale":2}',
    '{"scale":0}',
    '{"format":"jpeg"}',
    '{"region":{"x":-1,"y":0,"width":1,"height":1}}',
    '{"region":{"x":0,"y":0,"width":0,"height":1}}',
    '{"region":null}',
    'x'.repeat(2000),
  ]) {
    assert.equal(parseScreenshotRequest(bad).ok, false, bad.slice(0, 40));
  }
});

test('regions are clipped to the frame', () => {
  assert.deepEqual(clipRegion(undefined, 100, 50), { x: 0, y: 0, width: 100, height: 50 });
  assert.deepEqual(clipRegion({ x: 90, y: 40, width: 50, height: 50 }, 100, 50), {
    x: 90,
    y: 40,
    width: 10,
    height: 10,
  });
  assert.equal(typeof clipRegion({ x: 100, y: 0, width: 1, height: 1 }, 100, 50), 'string');
  assert.deepEqual(scaledSize({ x: 0, y: 0, width: 1280, height: 720 }, 0.5), { width: 640, height: 360 });
  assert.deepEqual(scaledSize({ x: 0, y: 0, width: 3, height: 3 }, 0.05), { width: 1, height: 1 });
});

test('BGRX region → RGB → PNG is lossless', async () => {
  const w = 4;
  const h = 3;
  const bgra = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) bgra.set([i, 100 + i, 200 + (i % 50), 0], i * 4); // B, G, R, X
  const r = { x: 1, y: 1, width: 2, height: 2 };
  const rgb = copyRgb(bgra, w, r);
  // pixel (1,1) = index 5 → R=205, G=105, B=5
  assert.deepEqual([...rgb.slice(0, 3)], [205, 105, 5]);
  const png = await encodePng(rgb, 2, 2, { width: 2, height: 2 });
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  const back = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(back.info.width, 2);
  assert.equal(back.info.channels, 3);
  assert.deepEqual([...back.data], [...rgb]);
  const small = await encodePng(rgb, 2, 2, { width: 1, height: 1 });
  assert.equal((await sharp(small).metadata()).width, 1);
});
