import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, type OptionSpec, parseOptions, usage } from '../src/index.ts';

const specs = {
  width: { flag: 'width', env: 'X_WIDTH', kind: 'string', help: 'w' },
  audio: { flag: 'audio', env: 'X_AUDIO', kind: 'boolean', help: 'a' },
  origins: { flag: 'origins', env: 'X_ORIGINS', kind: 'list', help: 'o' },
  quiet: { flag: 'quiet', kind: 'boolean', help: 'q' },
} satisfies Record<string, OptionSpec>;

test('env fallbacks; flags win; sources are named', () => {
  const r = parseOptions(specs, { X_WIDTH: '800', X_AUDIO: 'off', X_ORIGINS: 'a, b,,c' }, []);
  assert.deepEqual([r.strings.width, r.booleans.audio, r.lists.origins], ['800', false, ['a', 'b', 'c']]);
  assert.deepEqual(r.source, { width: 'X_WIDTH', audio: 'X_AUDIO', origins: 'X_ORIGINS' });
  const f = parseOptions(specs, { X_WIDTH: '800', X_ORIGINS: 'env' }, [
    '--width=1024',
    '--origins',
    'x,y',
    '--origins=z',
    '--audio',
    '--quiet',
  ]);
  assert.deepEqual(
    [f.strings.width, f.booleans.audio, f.lists.origins, f.booleans.quiet],
    ['1024', true, ['x', 'y', 'z'], true],
  );
  assert.equal(f.source.width, '--width');
});

test('boolean forms', () => {
  const cases: Array<[string[], boolean]> = [
    [['--audio'], true],
    [['--no-audio'], false],
    [['--audio=false'], false],
    [['--audio=1'], true],
  ];
  for (const [argv, want] of cases)
    assert.equal(parseOptions(specs, { X_AUDIO: want ? 'no' : 'yes' }, argv).booleans.audio, want, argv.join(' '));
  assert.equal(parseOptions(specs, {}, ['--no-audio']).source.audio, '--no-audio');
});

test('help', () => {
  assert.equal(parseOptions(specs, {}, ['--help']).help, true);
  assert.equal(parseOptions(specs, {}, ['-h']).help, true);
});

test('errors are one line and name the flag', () => {
  const cases: Array<[Record<string, string>, string[], RegExp]> = [
    [{}, ['--colour', 'red'], /^unknown flag --colour/],
    [{}, ['--width'], /^--width needs a value$/],
    [{}, ['--width', '--audio'], /^--width needs a value$/],
    [{}, ['extra'], /^unexpected argument "extra"/],
    [{ X_AUDIO: 'maybe' }, [], /^X_AUDIO: expected true or false/],
    [{}, ['--audio=maybe'], /^--audio: expected true or false/],
  ];
  for (const [env, argv, re] of cases) {
    assert.throws(
      () => parseOptions(specs, env, argv),
      (e: unknown) => e instanceof CliError && re.test(e.message) && !e.message.includes('\n'),
    );
  }
});

test('usage lists every option with its variable', () => {
  const u = usage(specs);
  assert.match(u, /--width <value>\s+X_WIDTH\s+w/);
  assert.match(u, /--\[no-\]audio\s+X_AUDIO\s+a/);
  assert.equal(u.split('\n').length, 4);
});
