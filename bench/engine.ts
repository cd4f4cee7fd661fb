// Engine benchmark (not a test): paints/s, CPU% per component, grab time and paint-to-JS latency for
// static / animated / heavy pages at 720p and 1080p. ~9 s per case. Prints a table and writes
// bench/results/engine-<timestamp>.json.   Usage: node bench/engine.ts [--seconds 6]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createContext, type EnginePaintEvent } from '@lkbrowser/native';
import { type BenchSpec, benchFlags } from './lib/cli.ts';

const FLAGS = {
  seconds: { flag: 'seconds', kind: 'number', default: 6, min: 1, help: 'measuring window per case, s' },
} as const satisfies Record<string, BenchSpec>;
const measureS = benchFlags(
  'engine.ts',
  'Engine benchmark: paints/s, CPU, grab time, paint-to-JS latency.',
  FLAGS,
).seconds;
const PAGES: Record<string, string> = {
  static:
    '<!doctype html><body style="margin:0;font:24px sans-serif;background:#f4f4f4"><h1>Static page</h1><p>Nothing moves here.</p></body>',
  anim: `<!doctype html><body style="margin:0;background:#fff"><div style="position:absolute;left:100px;top:100px;width:120px;height:120px;background:#c00;animation:m 1s linear infinite alternate"></div>
<style>@keyframes m{to{transform:translateX(600px) rotate(180deg)}}</style></body>`,
  heavy: `<!doctype html><body style="margin:0;overflow:hidden"><canvas id=c></canvas><script>
const c = document.getElementById('c'); c.width = innerWidth; c.height = innerHeight; const g = c.getContext('2d');
function f(t) { const gr = g.createLinearGradient(0, 0, c.width, c.height); gr.addColorStop(0, 'hsl(' + (t / 10 % 360) + ',80%,50%)');
gr.addColorStop(1, 'hsl(' + ((t / 10 + 180) % 360) + ',80%,50%)'); g.fillStyle = gr; g.fillRect(0, 0, c.width, c.height); requestAnimationFrame(f); }
requestAnimationFrame(f);</script></body>`,
};

const CLK_TCK = 100;
function cpuTicks(sid: number): Map<number, { ticks: number; kind: string }> {
  const out = new Map<number, { ticks: number; kind: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[3]) !== sid) continue;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const kind =
        Number(d) === sid
          ? 'host'
          : cmd.startsWith('/usr/bin/Xvfb')
            ? 'xvfb'
            : cmd.includes('pulseaudio')
              ? 'pulse'
              : 'chromium';
      out.set(Number(d), { ticks: Number(f[11]) + Number(f[12]), kind });
    } catch {
      // exited while reading
    }
  }
  return out;
}

function pct(v: number[], p: number): number {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

const srv = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' }).end(PAGES[(req.url ?? '/').slice(1)] ?? 'not found');
});
await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
const ctx = await createContext({ startTimeoutMs: 60_000 });
const rows: Record<string, number | string>[] = [];
for (const [w, h] of [
  [1280, 720],
  [1920, 1080],
] as const) {
  for (const kind of ['static', 'anim', 'heavy']) {
    const page = await ctx.newPage({ url: `${base}/${kind}`, width: w, height: h, framerate: 60, audio: false });
    await new Promise((r) => setTimeout(r, 2500)); // warm-up
    let paints = 0;
    let dirty = 0;
    const grab: number[] = [];
    const lat: number[] = [];
    page.on('paint', (ev) => {
      const now = process.hrtime.bigint() / 1000n;
      paints++;
      grab.push((ev as EnginePaintEvent).grabUs / 1000);
      lat.push(Number(now - ev.captureTimeUs) / 1000);
      for (const r of ev.dirtyRects) dirty += (r.width * r.height) / (w * h);
    });
    const c0 = cpuTicks(page.hostPid);
    const n0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, measureS * 1000));
    const secs = (performance.now() - t0) / 1000;
    const c1 = cpuTicks(page.hostPid);
    const n1 = process.cpuUsage(n0);
    const cpu: Record<string, number> = { host: 0, xvfb: 0, chromium: 0, pulse: 0 };
    for (const [pid, v] of c1) cpu[v.kind] = (cpu[v.kind] ?? 0) + v.ticks - (c0.get(pid)?.ticks ?? 0);
    const row = {
      case: `${kind} ${w}x${h}`,
      'paints/s': +(paints / secs).toFixed(1),
      'dirty %': paints ? +((dirty / paints) * 100).toFixed(1) : 0,
      'grab ms p50': +pct(grab, 50).toFixed(2),
      'grab ms p95': +pct(grab, 95).toFixed(2),
      'lat ms p50': +pct(lat, 50).toFixed(2),
      'lat ms p95': +pct(lat, 95).toFixed(2),
      'host %': +(((cpu.host ?? 0) / CLK_TCK / secs) * 100).toFixed(1),
      'Xvfb %': +(((cpu.xvfb ?? 0) / CLK_TCK / secs) * 100).toFixed(1),
      'Chromium %': +(((cpu.chromium ?? 0) / CLK_TCK / secs) * 100).toFixed(1),
      'Node %': +(((n1.user + n1.system) / 1e6 / secs) * 100).toFixed(1),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await page.close();
  }
}
await ctx.close();
srv.close();
console.table(rows);
const load = readFileSync('/proc/loadavg', 'utf8').trim();
const outDir = new URL('./results/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const file = `${outDir}engine-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), measureS, loadavg: load, node: process.version, rows }, null, 2),
);
console.log(`load average at end: ${load}\nwrote ${file}`);
