// Both LiveKit SDKs fit the client's structural Room type (checked by tsc: `npm run typecheck` fails if either
// SDK's Room stops matching), and the adapter reads both spellings of a byte stream's id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Room as NodeRoom } from '@livekit/rtc-node';
import type { Room as BrowserRoom } from 'livekit-client';
import { type ByteStreamReaderLike, type RoomLike, streamIdOf } from '../src/room-adapter.ts';

// Type-level assertions: assignability of each SDK's Room to RoomLike.
type Fits<T> = T extends RoomLike ? true : false;
const nodeFits: Fits<NodeRoom> = true;
const browserFits: Fits<BrowserRoom> = true;

test('rtc-node and livekit-client rooms are RoomLike', () => {
  assert.equal(nodeFits, true);
  assert.equal(browserFits, true);
});

test('stream ids of both SDKs', () => {
  const r = (info: ByteStreamReaderLike['info']): ByteStreamReaderLike => ({ info, readAll: async () => [] });
  assert.equal(streamIdOf(r({ id: 'a', mimeType: 'image/png', topic: 't' })), 'a');
  assert.equal(streamIdOf(r({ streamId: 'b', mimeType: 'image/png', topic: 't' })), 'b');
});
