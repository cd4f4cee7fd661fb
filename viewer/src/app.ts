// The page served by the demo (viewer/public/index.html): fetches a token from the page's own server
// (`/token?identity=…` → {url, token, browserIdentity?}) and opens a BrowserViewer. `?identity=alice` picks the
// identity; `?browser=<identity>` (or the server's `browserIdentity`) is the runtime's identity, the only one the
// viewer then treats as the browser.
import { BrowserViewer } from './viewer.ts';

declare global {
  interface Window {
    lkbViewer?: BrowserViewer;
    lkbReady?: Promise<BrowserViewer>;
  }
}

async function main(): Promise<BrowserViewer> {
  const params = new URLSearchParams(location.search);
  const identity = params.get('identity') || `viewer-${Math.random().toString(36).slice(2, 8)}`;
  const status = document.getElementById('status');
  const res = await fetch(`/token?identity=${encodeURIComponent(identity)}`);
  if (!res.ok) throw new Error(`token request failed: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { url: string; token: string; browserIdentity?: string };
  const { url, token } = body;
  const browserIdentity = params.get('browser') || body.browserIdentity || undefined;
  const container = document.getElementById('viewer');
  if (!container) throw new Error('#viewer missing');
  const viewer = new BrowserViewer(container, { url, token, browserIdentity });
  window.lkbViewer = viewer;
  viewer.on('disconnected', ({ reason }) => {
    if (status) status.textContent = `disconnected ${reason}`;
  });
  await viewer.connect();
  if (status) status.textContent = `connected as ${viewer.identity}`;
  return viewer;
}

window.lkbReady = main();
window.lkbReady.catch((err: unknown) => {
  const status = document.getElementById('status');
  if (status) status.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
  console.error(err);
});
