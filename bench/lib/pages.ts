// Test pages of the benchmarks, served on 127.0.0.1:<ephemeral> by the orchestrating process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Frame-counter layout shared by the page and the decoder: 16 bits in a row, and their complement below. */
export const COUNTER_BITS = 16;
export function counterBlock(width: number): number {
  return Math.floor(width / COUNTER_BITS);
}

/** The in-page step of both stamped pages (COUNTER, ANIM_COUNTER): next counter value drawn as the two rows at the
 *  top-left (needs g, B, n and window.__ts in scope), and its time recorded. */
const STAMP_COUNTER_JS = `  n = (n + 1) & 0xffff;
  for (let i = 0; i < ${COUNTER_BITS}; i++) {
    const bit = (n >> (${COUNTER_BITS - 1} - i)) & 1;
    g.fillStyle = bit ? '#fff' : '#000'; g.fillRect(i * B, 0, B, B);
    g.fillStyle = bit ? '#000' : '#fff'; g.fillRect(i * B, B, B, B);
  }
  window.__ts[n] = performance.timeOrigin + performance.now();
`;

/**
 * Glass-to-glass page: every requestAnimationFrame increments a counter, draws it as 16 black/white blocks
 * (row 1: bits, MSB first; row 2: complement) and records performance.timeOrigin + performance.now() in
 * window.__ts[counter]. The rest of the page is static grey.
 */
const COUNTER = `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;overflow:hidden;background:#808080}</style></head>
<body><canvas id="c"></canvas><script>
const W = innerWidth, B = Math.floor(W / ${COUNTER_BITS});
const c = document.getElementById('c'); c.width = W; c.height = 2 * B; c.style.display = 'block';
const g = c.getContext('2d');
window.__ts = [];
let n = 0;
function draw(t) {
${STAMP_COUNTER_JS}  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
</script></body></html>`;

/**
 * Input-to-photon page: the left half toggles black/white on every mousedown, the right half on every keydown.
 * Page-side timestamps of the handled events are kept in window.__input for diagnostics.
 */
const INPUT = `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;width:100%;height:100%;overflow:hidden}
#l,#r{position:absolute;top:0;bottom:0;width:50%;background:#000}#l{left:0}#r{right:0}
</style></head><body><div id="l"></div><div id="r"></div><script>
window.__input = [];
let lw = false, rw = false;
document.addEventListener('mousedown', (e) => { lw = !lw; document.getElementById('l').style.background = lw ? '#fff' : '#000';
  window.__input.push(['mouse', performance.timeOrigin + performance.now(), e.clientX, e.clientY]); });
document.addEventListener('keydown', (e) => { rw = !rw; document.getElementById('r').style.background = rw ? '#fff' : '#000';
  window.__input.push(['key', performance.timeOrigin + performance.now(), e.key]); });
</script></body></html>`;

const STATIC = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:24px;font:20px/1.5 sans-serif;background:#f4f4f4;color:#222}</style></head>
<body><h1>Static page</h1><p>Nothing on this page moves. A few lines of text and a coloured box.</p>
<div style="width:300px;height:150px;background:linear-gradient(90deg,#36c,#c63)"></div></body></html>`;

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat'.split(
    ' ',
  );
function longText(): string {
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const paras: string[] = [];
  for (let p = 0; p < 400; p++) {
    const n = 40 + Math.floor(rnd() * 60);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(rnd() * WORDS.length)] ?? 'x');
    paras.push(`<h3>Section ${p + 1}</h3><p>${w.join(' ')}.</p>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:24px 10%;font:18px/1.6 serif;background:#fffef8;color:#111}h3{color:#245}</style></head>
<body><h1>A long text page</h1>${paras.join('\n')}</body></html>`;
}

/** Full-viewport canvas gradient redrawn every rAF (~90 % of the pixels change every frame). */
const ANIM = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;overflow:hidden"><canvas id=c style="display:block"></canvas><script>
const c = document.getElementById('c'); c.width = innerWidth; c.height = innerHeight; const g = c.getContext('2d');
function f(t) { const gr = g.createLinearGradient(0, 0, c.width, c.height); gr.addColorStop(0, 'hsl(' + (t / 10 % 360) + ',80%,50%)');
gr.addColorStop(1, 'hsl(' + ((t / 10 + 180) % 360) + ',80%,50%)'); g.fillStyle = gr; g.fillRect(0, 0, c.width, c.height); requestAnimationFrame(f); }
requestAnimationFrame(f);</script></body></html>`;

/**
 * The animation page with the glass-to-glass counter on top (density.ts: an animated page whose frames are stamped):
 * the full-viewport gradient of ANIM redrawn every rAF, then the counter rows of COUNTER drawn over its top edge,
 * with the same window.__ts stamps.
 */
const ANIM_COUNTER = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;overflow:hidden"><canvas id=c style="display:block"></canvas><script>
const c = document.getElementById('c'); c.width = innerWidth; c.height = innerHeight; const g = c.getContext('2d');
const B = Math.floor(c.width / ${COUNTER_BITS});
window.__ts = [];
let n = 0;
function f(t) {
  const gr = g.createLinearGradient(0, 0, c.width, c.height); gr.addColorStop(0, 'hsl(' + (t / 10 % 360) + ',80%,50%)');
  gr.addColorStop(1, 'hsl(' + ((t / 10 + 180) % 360) + ',80%,50%)'); g.fillStyle = gr; g.fillRect(0, 0, c.width, c.height);
${STAMP_COUNTER_JS}  requestAnimationFrame(f);
}
requestAnimationFrame(f);</script></body></html>`;

const PAGES: Record<string, string> = {
  counter: COUNTER,
  input: INPUT,
  static: STATIC,
  text: longText(),
  anim: ANIM,
  'anim-counter': ANIM_COUNTER,
};

export interface PageServer {
  base: string;
  url(name: keyof typeof PAGES | string): string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const srv = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1).split('?')[0] ?? '';
    const body = PAGES[name];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    base,
    url: (name) => `${base}/${name}`,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
