// kind e2e verifier: joins the BrowserSession's room as an rtc-node subscriber (signalling through
// `kubectl port-forward`, media to the LiveKit node IP) and checks, like the local Docker e2e, that the page
// arrives as video (red), that focus can be taken over RPC and that a browser-input click turns it blue.
// Usage: node e2e/kind/verify-frames.ts   (env: LIVEKIT_URL default ws://127.0.0.1:7880, LIVEKIT_ROOM,
//        BROWSER_IDENTITY, LIVEKIT_API_KEY/SECRET default devkey/secret)
import { dispose } from '@livekit/rtc-node';
import { BLUE, click, joinAsViewer, RED, requestFocus, waitForColour } from '../lib/room-check.ts';
import { withTimeout } from '@lkbrowser/testkit';

export interface VerifyOptions {
  url: string;
  room: string;
  browserIdentity: string;
  apiKey: string;
  apiSecret: string;
  width?: number;
  height?: number;
  log?: (line: string) => void;
}

export async function verifyFrames(o: VerifyOptions): Promise<void> {
  const log = o.log ?? ((l: string) => console.log(l));
  const viewer = await joinAsViewer({
    url: o.url,
    apiKey: o.apiKey,
    apiSecret: o.apiSecret,
    room: o.room,
    identity: 'e2e-verifier',
    browserIdentity: o.browserIdentity,
  });
  try {
    log(`joined ${o.room} at ${o.url}; waiting for ${o.browserIdentity}'s video`);
    const video = await withTimeout(`video track of ${o.browserIdentity}`, viewer.video, 120_000);
    const red = await waitForColour(video, RED, 120_000);
    log(`red page seen (${red.width}x${red.height}) after ${red.frames} frame(s)`);
    if (o.width !== undefined && red.width !== o.width) throw new Error(`frame width ${red.width}, want ${o.width}`);
    if (o.height !== undefined && red.height !== o.height)
      throw new Error(`frame height ${red.height}, want ${o.height}`);
    const focus = await requestFocus(viewer.room, o.browserIdentity);
    if (!focus.granted) throw new Error(`focus not granted: ${JSON.stringify(focus)}`);
    log('focus granted');
    await click(viewer.room, o.browserIdentity, Math.floor(red.width / 2), Math.floor(red.height / 2));
    const blue = await waitForColour(video, BLUE, 60_000);
    log(`click turned the page blue after ${blue.frames} frame(s)`);
  } finally {
    await viewer.close();
  }
}

if (import.meta.main) {
  const env = process.env;
  try {
    await verifyFrames({
      url: env.LIVEKIT_URL ?? 'ws://127.0.0.1:7880',
      room: env.LIVEKIT_ROOM ?? 'demo-room',
      browserIdentity: env.BROWSER_IDENTITY ?? 'example',
      apiKey: env.LIVEKIT_API_KEY ?? 'devkey',
      apiSecret: env.LIVEKIT_API_SECRET ?? 'secret',
      width: env.EXPECT_WIDTH ? Number(env.EXPECT_WIDTH) : undefined,
      height: env.EXPECT_HEIGHT ? Number(env.EXPECT_HEIGHT) : undefined,
    });
    console.log('verify-frames: OK');
    await dispose();
    process.exit(0);
  } catch (err) {
    console.error(`verify-frames: FAILED: ${(err as Error).stack ?? String(err)}`);
    await dispose();
    process.exit(1);
  }
}
