// Flags with environment fallbacks, read with node:util parseArgs. Pure: the caller passes env and argv.
// Every option has a flag (`--framerate`), optionally an environment variable (`LKB_FRAMERATE`) and a kind:
//   string  `--x v` or `--x=v`; the last one wins
//   boolean `--x`, `--no-x`, `--x=true|false`; env true/false/1/0/yes/no/on/off
//   list    repeatable, each value a comma list; env is a comma list; flags replace the env list
// Flags win over the environment. Values stay strings: callers validate (and name `source[key]` in their errors,
// which is the flag or the variable the value came from). Errors are one line (CliError).
import { parseArgs } from 'node:util';

export type OptionKind = 'string' | 'boolean' | 'list';

export interface OptionSpec {
  flag: string;
  env?: string;
  kind: OptionKind;
  /** one line for usage(); the value placeholder goes in `arg` */
  help: string;
  arg?: string;
}

export interface ParsedOptions<K extends string> {
  help: boolean;
  strings: Partial<Record<K, string>>;
  booleans: Partial<Record<K, boolean>>;
  lists: Partial<Record<K, string[]>>;
  /** where each value came from: `--flag` or `ENV_NAME` */
  source: Partial<Record<K, string>>;
}

export class CliError extends Error {}

function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseBool(name: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new CliError(`${name}: expected true or false, got "${v}"`);
}

export function parseOptions<K extends string>(
  specs: Record<K, OptionSpec>,
  env: Record<string, string | undefined>,
  argv: readonly string[],
): ParsedOptions<K> {
  const out: ParsedOptions<K> = { help: false, strings: {}, booleans: {}, lists: {}, source: {} };
  const keys = Object.keys(specs) as K[];
  const byFlag = new Map<string, K>(keys.map((k) => [specs[k].flag, k]));
  for (const k of keys) {
    const s = specs[k];
    const v = s.env === undefined ? undefined : env[s.env];
    if (v === undefined || v === '' || s.env === undefined) continue;
    out.source[k] = s.env;
    if (s.kind === 'boolean') out.booleans[k] = parseBool(s.env, v);
    else if (s.kind === 'list') out.lists[k] = splitList(v);
    else out.strings[k] = v;
  }
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const k of keys) {
    const s = specs[k];
    options[s.flag] = s.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: s.kind === 'list' };
  }
  // strict: false so that every problem becomes our own one-line message (tokens say exactly what was given).
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const flagLists = new Map<K, string[]>();
  for (const t of tokens) {
    if (t.kind === 'positional') throw new CliError(`unexpected argument "${t.value}" (see --help)`);
    if (t.kind !== 'option') continue;
    if (t.name === 'help') {
      out.help = true;
      continue;
    }
    const k = byFlag.get(t.name);
    if (k === undefined) throw new CliError(`unknown flag ${t.rawName} (see --help)`);
    const s = specs[k];
    out.source[k] = t.rawName.startsWith('--no-') ? t.rawName : `--${s.flag}`;
    if (s.kind === 'boolean') {
      out.booleans[k] = t.rawName.startsWith('--no-')
        ? false
        : t.value === undefined
          ? true
          : parseBool(`--${s.flag}`, t.value);
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
      throw new CliError(`--${s.flag} needs a value`);
    if (s.kind === 'list') flagLists.set(k, [...(flagLists.get(k) ?? []), ...splitList(t.value)]);
    else out.strings[k] = t.value;
  }
  for (const [k, l] of flagLists) out.lists[k] = l;
  return out;
}

/** `--flag <arg>  ENV  help`, one line per option, aligned. */
export function usage(specs: Record<string, OptionSpec>): string {
  const rows = Object.values(specs).map((s) => {
    const flag = s.kind === 'boolean' ? `--[no-]${s.flag}` : `--${s.flag} <${s.arg ?? 'value'}>`;
    return [flag, s.env ?? '', s.help] as const;
  });
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd()).join('\n');
}
