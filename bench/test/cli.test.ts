import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '@lkbrowser/cli';
import { type BenchSpec, benchUsage, parseList, parseSizes, readFlags } from '../lib/cli.ts';

const specs = {
  runs: { flag: 'runs', kind: 'number', default: 3, min: 1, integer: true, help: 'r' },
  seconds: { flag: 'seconds', kind: 'number', default: 10, help: 's' },
  later: { flag: 'later', kind: 'number', help: 'no default: the script decides' },
  sizes: { flag: 'sizes', kind: 'sizes', default: '1280x720', help: 'z' },
  scenarios: { flag: 'scenarios', kind: 'string', default: 'a,b', help: 'c' },
  quick: { flag: 'quick', kind: 'boolean', default: false, help: 'q' },
  cpu1080p: { flag: '1080p-cpu', kind: 'boolean', default: true, help: 'x' },
} as const satisfies Record<string, BenchSpec>;

test('defaults fill every flag that was not given', () => {
  assert.deepEqual(readFlags(specs, []), {
    runs: 3,
    seconds: 10,
    later: undefined,
    sizes: [[1280, 720]],
    scenarios: 'a,b',
    quick: false,
    cpu1080p: true,
  });
});

test('given flags win, in both --x v and --x=v forms', () => {
  const r = readFlags(specs, [
    '--runs',
    '5',
    '--seconds=2.5',
    '--later=0',
    '--sizes',
    '1920x1080,640x480',
    '--scenarios=x',
    '--quick',
    '--no-1080p-cpu',
  ]);
  assert.deepEqual(r, {
    runs: 5,
    seconds: 2.5,
    later: 0,
    sizes: [
      [1920, 1080],
      [640, 480],
    ],
    scenarios: 'x',
    quick: true,
    cpu1080p: false,
  });
});

test('--help and -h', () => {
  assert.equal(readFlags(specs, ['--help']), 'help');
  assert.equal(readFlags(specs, ['-h']), 'help');
});

test('bad input is one CliError line naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--runs', 'x'], /^--runs: expected an integer >= 1, got "x"$/],
    [['--runs', '0'], /^--runs: expected an integer >= 1/],
    [['--runs', '1.5'], /^--runs: expected an integer/],
    [['--runs='], /^--runs: expected an integer >= 1, got ""$/],
    [['--seconds', '-1'], /^--seconds: expected a number >= 0/],
    [['--seconds', 'Infinity'], /^--seconds: expected a number/],
    [['--sizes', '1280x'], /^--sizes: expected WxH/],
    [['--sizes', '0x720'], /^--sizes: expected WxH/],
    [['--sizes'], /^--sizes needs a value$/],
    [['--quick=maybe'], /^--quick: expected true or false/],
    [['--bogus'], /^unknown flag --bogus/],
    [['6'], /^unexpected argument "6"/],
  ];
  for (const [argv, want] of cases) {
    assert.throws(
      () => readFlags(specs, argv),
      (e: unknown) => e instanceof CliError && want.test(e.message) && !e.message.includes('\n'),
      argv.join(' '),
    );
  }
});

test('parseSizes', () => {
  assert.deepEqual(parseSizes(' 800x600 ,1x1'), [
    [800, 600],
    [1, 1],
  ]);
  assert.throws(() => parseSizes('800*600', '--size'), /^Error: --size: expected WxH/);
});

test('usage lists every flag with its default', () => {
  const u = benchUsage('x.ts', 'about', specs);
  assert.match(u, /^usage: node bench\/x\.ts \[flags\]\nabout\n/);
  assert.match(u, /--runs <n> +r \(default 3\)/);
  assert.match(u, /--later <n> +no default: the script decides$/m);
  assert.match(u, /--\[no-\]1080p-cpu +x \(default on\)/);
  assert.match(u, /--sizes <WxH,\.\.\.> +z \(default 1280x720\)/);
});

test('a list flag keeps allowed items in order, drops duplicates, refuses others (table)', () => {
  const allowed = ['ours', 'cef', 'screencast'] as const;
  const cases: { s: string; want: string[] | RegExp }[] = [
    { s: 'ours,screencast', want: ['ours', 'screencast'] },
    { s: 'screencast, ours,ours', want: ['screencast', 'ours'] },
    { s: 'ours,chrome', want: /--pipelines: "chrome" is not one of ours, cef, screencast/ },
    { s: '', want: /--pipelines: "" is not one of/ },
  ];
  for (const c of cases) {
    if (c.want instanceof RegExp) assert.throws(() => parseList(c.s, allowed, '--pipelines'), c.want);
    else assert.deepEqual(parseList(c.s, allowed, '--pipelines'), c.want);
  }
});
