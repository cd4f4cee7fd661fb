import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitPrepared, videoFits } from '../src/prepared-media.ts';

test('the claim uses the standby media that fit the session, the rest is closed (table)', () => {
  const video = { width: 1280, height: 720 };
  const audio = { a: 1 };
  const cases: {
    prepared: { video?: typeof video; audio?: typeof audio };
    session: { width: number; height: number; audio: boolean };
    want: { video?: typeof video; audio?: typeof audio; unused: unknown[] };
  }[] = [
    {
      prepared: { video, audio },
      session: { width: 1280, height: 720, audio: true },
      want: { video, audio, unused: [] },
    },
    {
      prepared: { video, audio },
      session: { width: 1920, height: 1080, audio: true },
      want: { video: undefined, audio, unused: [video] },
    },
    {
      prepared: { video, audio },
      session: { width: 1280, height: 720, audio: false },
      want: { video, audio: undefined, unused: [audio] },
    },
    {
      prepared: { video },
      session: { width: 1280, height: 720, audio: true },
      want: { video, audio: undefined, unused: [] },
    },
    { prepared: {}, session: { width: 1280, height: 720, audio: true }, want: { unused: [] } },
  ];
  for (const c of cases) {
    const got = fitPrepared(c.prepared, c.session);
    assert.equal(got.video, c.want.video);
    assert.equal(got.audio, c.want.audio);
    assert.deepEqual(got.unused, c.want.unused);
  }
  assert.equal(videoFits(video, { width: 1280, height: 721 }), false);
});
