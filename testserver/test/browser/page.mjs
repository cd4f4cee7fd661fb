// Runs inside headless Chromium (bundled with livekit-client by browser.test.ts; plain JS because the
// repo's tsconfig has no DOM lib): joins the room, subscribes to the first video track, waits for
// decoded frames and samples pixels through a canvas. Result: see `BrowserResult` in browser.test.ts.
import { Room, RoomEvent, Track } from 'livekit-client';

globalThis.lkRun = async (url, token, points) => {
  const log = [];
  const t0 = performance.now();
  const note = (s) => log.push(`${((performance.now() - t0) / 1000).toFixed(2)}s ${s}`);
  try {
    const room = new Room({ adaptiveStream: false, dynacast: false });
    const video = new Promise((resolve) => {
      room.on(RoomEvent.TrackSubscribed, (track) => {
        note(`subscribed ${track.kind}`);
        if (track.kind === Track.Kind.Video) resolve(track);
      });
    });
    await room.connect(url, token, { autoSubscribe: true });
    note(`connected as ${room.localParticipant.identity}, remotes: ${[...room.remoteParticipants.keys()].join(',')}`);
    const track = await video;
    const el = track.attach();
    el.muted = true;
    document.body.appendChild(el);
    await el.play().catch((e) => note(`play() rejected: ${String(e)}`));
    await new Promise((resolve) => {
      let n = 0;
      const tick = () => {
        if (el.videoWidth > 0 && ++n >= 10) resolve();
        else el.requestVideoFrameCallback(tick);
      };
      el.requestVideoFrameCallback(tick);
    });
    note(`decoding ${el.videoWidth}x${el.videoHeight}`);
    const canvas = document.createElement('canvas');
    canvas.width = el.videoWidth;
    canvas.height = el.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(el, 0, 0);
    const pixels = points.map(([x, y]) => [...ctx.getImageData(x, y, 1, 1).data]);
    const { videoWidth: width, videoHeight: height } = el;

    // data and RPC both ways with the rtc-node participant (see browser.test.ts for its side)
    const publisher = [...room.remoteParticipants.keys()][0];
    let rpcCalledBack;
    const calledBack = new Promise((resolve) => {
      rpcCalledBack = resolve;
    });
    room.localParticipant.registerRpcMethod('browser-echo', async (d) => {
      rpcCalledBack(d.payload);
      return `browser:${d.payload}:${d.callerIdentity}`;
    });
    const dataBack = new Promise((resolve) => {
      room.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) => {
        if (topic === 'to-browser')
          resolve({ text: new TextDecoder().decode(payload), from: participant?.identity, topic });
      });
    });
    const rpc = await room.localParticipant.performRpc({
      destinationIdentity: publisher,
      method: 'node-echo',
      payload: 'hi',
    });
    note(`rpc result ${rpc}`);
    await room.localParticipant.publishData(new TextEncoder().encode('ping'), {
      reliable: true,
      topic: 'from-browser',
      destinationIdentities: [publisher],
    });
    const data = await Promise.race([dataBack, new Promise((r) => setTimeout(() => r(null), 20000))]);
    note(`data back ${JSON.stringify(data)}`);
    const rpcIn = await Promise.race([calledBack, new Promise((r) => setTimeout(() => r(null), 20000))]);
    note(`rpc from node ${rpcIn}`);
    await new Promise((r) => setTimeout(r, 300)); // let the RPC response go out
    await room.disconnect();
    note('disconnected');
    return { ok: true, width, height, pixels, rpc, data, rpcIn, log };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), log };
  }
};

// Publishes a canvas (four colour quadrants, like the rtc-node tests) from the browser; `lkControl`
// then mutes / unpublishes it on request.
globalThis.lkPublish = async (url, token) => {
  const log = [];
  try {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d');
    const colours = ['rgb(255,0,0)', 'rgb(0,255,0)', 'rgb(0,0,255)', 'rgb(255,255,255)'];
    let tick = 0;
    const draw = () => {
      colours.forEach((c, i) => {
        ctx.fillStyle = c;
        ctx.fillRect((i % 2) * 160, Math.floor(i / 2) * 120, 160, 120);
      });
      // a small changing corner keeps the encoder producing frames
      ctx.fillStyle = tick++ % 2 ? 'rgb(0,0,0)' : 'rgb(40,40,40)';
      ctx.fillRect(0, 0, 4, 4);
    };
    draw();
    setInterval(draw, 66);
    document.body.appendChild(canvas);
    const [mediaTrack] = canvas.captureStream(15).getVideoTracks();
    const room = new Room({ adaptiveStream: false, dynacast: false });
    await room.connect(url, token);
    const pub = await room.localParticipant.publishTrack(mediaTrack, {
      name: 'canvas',
      source: Track.Source.ScreenShare,
      simulcast: false,
      videoCodec: 'vp8',
      videoEncoding: { maxBitrate: 1_000_000, maxFramerate: 15 },
    });
    log.push(`published ${pub.trackSid}`);
    globalThis.lkControl = async (what) => {
      if (what === 'mute') await pub.mute();
      else if (what === 'unpublish') await room.localParticipant.unpublishTrack(pub.track);
      else if (what === 'disconnect') await room.disconnect();
      return what;
    };
    return { ok: true, trackSid: pub.trackSid, log };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), log };
  }
};
