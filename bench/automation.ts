// Opt-in automation access (docs/automation.md): what the runtime's scoped CDP proxy costs a Playwright client.
// The real engine (Chromium under Xvfb behind the egress proxy) and the runtime's AutomationServer in this process;
// playwright-core connectOverCDP once through the proxy (bearer token, CdpScope on every message) and once through an
// unscoped bridge to the same pipe session (lib/cdp-bridge.ts: what the proxy adds on top), same page, alternating.
// Prints p50/p95 of
//   connect          connectOverCDP until the page is usable
//   evaluate         page.evaluate('1') round trip
//   click            page.mouse.click (Input.dispatchMouseEvent press + release)
//   screenshot       page.screenshot() PNG of the 1280x720 viewport (large replies through the proxy)
// Usage: node bench/automation.ts [--trials 50] [--connects 5]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '@lkbrowser/native';
import { AutomationServer, EgressProxy, RuntimeMetrics } from '@lkbrowser/runtime';
import { type Browser, chromium, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startCdpBridge } from './lib/cdp-bridge.ts';
import { type BenchSpec, benchFlags } from './lib/cli.ts';
import { fmt, loadavg, percentile } from './lib/common.ts';
import { startPageServer } from './lib/pages.ts';

const FLAGS = {
  trials: { flag: 'trials', kind: 'number', default: 50, min: 1, integer: true, help: 'calls per measure and path' },
  connects: { flag: 'connects', kind: 'number', default: 5, min: 1, integer: true, help: 'connects per path' },
} as const satisfies Record<string, BenchSpec>;
const flags = benchFlags('automation.ts', 'CDP proxy cost for a Playwright client.', FLAGS);

const TOKEN = `bench-${'x'.repeat(40)}`;
const quiet = pino({ level: 'warn' });
const dir = await mkdtemp(join(tmpdir(), 'lkb-bench-automation-'));
await writeFile(join(dir, 'token'), TOKEN);
const pages = await startPageServer();
const metrics = new RuntimeMetrics();
const egress = new EgressProxy({ allowPrivate: true, denyCidrs: [], logger: quiet, metrics });
const ctx = await createContext({ logger: quiet, proxyServer: await egress.listen(0) });
const server = new AutomationServer({
  host: '127.0.0.1',
  port: 0,
  tokenFile: join(dir, 'token'),
  target: () => ({
    targetId: page.cdpTargetId,
    open: () => page.openCdpClient(),
    version: () => page.browserVersion(),
  }),
  nav: { allowPrivate: true, allowedOrigins: [] },
  logger: quiet,
  metrics,
});
const page = await ctx.newPage({ url: pages.url('text'), width: 1280, height: 720, framerate: 30, audio: false });
const proxied = `http://127.0.0.1:${await server.listen()}`;
const bridge = await startCdpBridge(page);
const load0 = loadavg();

type Path = 'proxy' | 'direct';
const open = (p: Path): Promise<Browser> =>
  p === 'proxy'
    ? chromium.connectOverCDP(proxied, { headers: { Authorization: `Bearer ${TOKEN}` }, timeout: 60_000 })
    : chromium.connectOverCDP(bridge.endpoint, { timeout: 60_000 });
const firstPage = (b: Browser): Page => {
  const p = b
    .contexts()[0]
    ?.pages()
    .find((x) => x.url().startsWith('http'));
  if (!p) throw new Error('no page');
  return p;
};
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

const results: Record<string, Record<Path, number[]>> = {};
const add = (what: string, p: Path, ms: number): void => {
  results[what] ??= { proxy: [], direct: [] };
  results[what][p].push(ms);
};
try {
  for (let i = 0; i < flags.connects; i++) {
    for (const p of ['proxy', 'direct'] as const) {
      let b: Browser | undefined;
      add('connect', p, await time(async () => firstPage((b = await open(p)))));
      await b?.close();
    }
  }
  const browsers = { proxy: await open('proxy'), direct: await open('direct') };
  for (let i = 0; i < flags.trials; i++) {
    for (const p of ['proxy', 'direct'] as const) {
      const pg = firstPage(browsers[p]);
      add('evaluate', p, await time(() => pg.evaluate('1')));
      add('click', p, await time(() => pg.mouse.click(600, 400)));
      if (i % 5 === 0) add('screenshot 1280x720', p, await time(() => pg.screenshot()));
    }
  }
  for (const b of Object.values(browsers)) await b.close();
  const load1 = loadavg();
  process.stdout.write(
    `\nCDP automation, Playwright ${chromium.name()} connectOverCDP (load average ${load0} → ${load1} on 2 cores)\n\n`,
  );
  process.stdout.write('| measure | proxy p50 / p95 ms | direct p50 / p95 ms | n |\n|---|---|---|---|\n');
  for (const [what, r] of Object.entries(results)) {
    const s = (v: number[]): string => `${fmt(percentile(v, 50))} / ${fmt(percentile(v, 95))}`;
    process.stdout.write(`| ${what} | ${s(r.proxy)} | ${s(r.direct)} | ${r.proxy.length} |\n`);
  }
  const refused = await metrics.value('lkb_automation_refused_total');
  process.stdout.write(`\nrefused by the scope during the run: ${refused}\n`);
} finally {
  await server.close();
  await bridge.close();
  await ctx.close();
  await egress.close();
  await pages.close();
  await rm(dir, { recursive: true, force: true });
}
