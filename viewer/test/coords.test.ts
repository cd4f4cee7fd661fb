import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containBox, mapToPage } from '../src/coords.ts';

test('containBox: letterbox and pillarbox', () => {
  assert.deepEqual(containBox({ width: 1280, height: 720 }, { width: 1280, height: 720 }), {
    left: 0,
    top: 0,
    width: 1280,
    height: 720,
  });
  // 16:9 video in a 4:3 box → bars top and bottom
  assert.deepEqual(containBox({ width: 800, height: 600 }, { width: 1600, height: 900 }), {
    left: 0,
    top: 75,
    width: 800,
    height: 450,
  });
  // 16:9 video in a tall-wide box → bars left and right
  assert.deepEqual(containBox({ width: 1000, height: 360 }, { width: 640, height: 360 }), {
    left: 180,
    top: 0,
    width: 640,
    height: 360,
  });
  assert.equal(containBox({ width: 0, height: 100 }, { width: 10, height: 10 }), null);
  assert.equal(containBox({ width: 100, height: 100 }, { width: 0, height: 0 }), null);
});

test('mapToPage: table', () => {
  const cases: Array<{
    name: string;
    p: [number, number];
    el: [number, number];
    vid: [number, number];
    page?: [number, number];
    want: { x: number; y: number } | null;
  }> = [
    { name: '1:1 origin', p: [0, 0], el: [1280, 720], vid: [1280, 720], want: { x: 0, y: 0 } },
    { name: '1:1 inside', p: [100.6, 200.2], el: [1280, 720], vid: [1280, 720], want: { x: 100, y: 200 } },
    { name: '1:1 last pixel', p: [1279.9, 719.9], el: [1280, 720], vid: [1280, 720], want: { x: 1279, y: 719 } },
    { name: '1:1 right edge is outside', p: [1280, 10], el: [1280, 720], vid: [1280, 720], want: null },
    { name: 'negative', p: [-1, 10], el: [1280, 720], vid: [1280, 720], want: null },
    { name: 'half scale', p: [320, 180], el: [640, 360], vid: [1280, 720], want: { x: 640, y: 360 } },
    { name: 'double scale', p: [101, 51], el: [2560, 1440], vid: [1280, 720], want: { x: 50, y: 25 } },
    { name: 'letterbox top bar', p: [400, 50], el: [800, 600], vid: [1600, 900], want: null },
    { name: 'letterbox bottom bar', p: [400, 530], el: [800, 600], vid: [1600, 900], want: null },
    { name: 'letterbox picture top-left', p: [0, 75], el: [800, 600], vid: [1600, 900], want: { x: 0, y: 0 } },
    { name: 'letterbox picture centre', p: [400, 300], el: [800, 600], vid: [1600, 900], want: { x: 800, y: 450 } },
    { name: 'pillarbox left bar', p: [100, 100], el: [1000, 360], vid: [640, 360], want: null },
    { name: 'pillarbox picture', p: [180, 0], el: [1000, 360], vid: [640, 360], want: { x: 0, y: 0 } },
    { name: 'pillarbox right bar', p: [820, 100], el: [1000, 360], vid: [640, 360], want: null },
    {
      name: 'page bigger than stream (encoder downscale)',
      p: [320, 180],
      el: [640, 360],
      vid: [640, 360],
      page: [1280, 720],
      want: { x: 640, y: 360 },
    },
    { name: 'NaN', p: [Number.NaN, 1], el: [640, 360], vid: [640, 360], want: null },
    { name: 'no video yet', p: [1, 1], el: [640, 360], vid: [0, 0], want: null },
  ];
  for (const c of cases) {
    const page = c.page ? { width: c.page[0], height: c.page[1] } : undefined;
    const got = mapToPage(
      c.p[0],
      c.p[1],
      { width: c.el[0], height: c.el[1] },
      { width: c.vid[0], height: c.vid[1] },
      page,
    );
    assert.deepEqual(got, c.want, c.name);
  }
});

test('mapToPage: results always inside the page', () => {
  const el = { width: 333, height: 777 };
  const vid = { width: 1920, height: 1080 };
  for (let x = -5; x < 340; x += 3.7) {
    for (let y = -5; y < 780; y += 5.3) {
      const r = mapToPage(x, y, el, vid);
      if (r) {
        assert.ok(r.x >= 0 && r.x < 1920 && r.y >= 0 && r.y < 1080, `${x},${y} → ${r.x},${r.y}`);
        assert.ok(Number.isInteger(r.x) && Number.isInteger(r.y));
      }
    }
  }
});
