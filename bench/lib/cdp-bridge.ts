// Bench only: an UNSCOPED DevTools endpoint for an engine page (no token, no CdpScope), what Chromium's own TCP port
// used to be before DevTools moved to a pipe. Each WebSocket client gets its own session on the page's pipe
// (BrowserPage.openCdpClient); /json/version answers like Chromium's. Lets a bench drive the page from outside
// (page-side timestamps) and compare the automation proxy with the bare pipe. Never part of the product.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserPage, CdpMessage } from '@lkbrowser/native';
import { WebSocketServer } from 'ws';

export interface CdpBridge {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  close(): Promise<void>;
}

export async function startCdpBridge(page: BrowserPage): Promise<CdpBridge> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').split('?')[0]?.replace(/\/+$/, '') !== '/json/version') return void res.writeHead(404).end();
    const { port } = server.address() as AddressInfo;
    page.browserVersion().then(
      (v) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            Browser: v.product,
            'Protocol-Version': v.protocolVersion,
            'User-Agent': v.userAgent,
            webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/browser`,
          }),
        ),
      (err: unknown) => res.writeHead(502).end(String(err)),
    );
  });
  server.on('upgrade', (req, socket, head) => {
    page.openCdpClient().then(
      (upstream) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          upstream.on('message', (m) => ws.send(JSON.stringify(m)));
          upstream.on('close', () => ws.close());
          ws.on('message', (d) => upstream.send(JSON.parse(d.toString()) as CdpMessage));
          ws.on('close', () => upstream.close());
        }),
      () => socket.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
