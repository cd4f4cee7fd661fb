// The bench scripts' command line, on the project's one CLI helper (@lkbrowser/cli). Each script declares its flags
// in a table with their defaults; readFlags() is pure (throws CliError), benchFlags() is the process adapter:
// --help prints the usage and exits 0, a bad flag or value prints one line and exits 2.
// Bench flags have no environment variables: a benchmark run is described by its command line alone.
import { CliError, type OptionSpec, parseOptions, usage } from '@lkbrowser/cli';

export type BenchSpec =
  /** a finite number >= min (default 0); `integer` also rejects fractions; no default: the script decides (undefined) */
  | {
      flag: string;
      kind: 'number';
      default?: number;
      help: string;
      arg?: string;
      min?: number;
      integer?: boolean;
    }
  | { flag: string; kind: 'string'; default: string; help: string; arg?: string }
  | { flag: string; kind: 'sizes'; default: string; help: string; arg?: string }
  | { flag: string; kind: 'boolean'; default: boolean; help: string };

type Value<S extends BenchSpec> = S['kind'] extends 'number'
  ? S extends { default: number }
    ? number
    : number | undefined
  : S['kind'] extends 'boolean'
    ? boolean
    : S['kind'] extends 'sizes'
      ? Array<[number, number]>
      : string;

export type BenchValues<T extends Record<string, BenchSpec>> = { [K in keyof T]: Value<T[K]> };

function toOptionSpec(s: BenchSpec): OptionSpec {
  const def = s.kind === 'boolean' ? (s.default ? 'on' : 'off') : s.default === undefined ? '' : String(s.default);
  const help = def === '' ? s.help : `${s.help} (default ${def})`;
  if (s.kind === 'boolean') return { flag: s.flag, kind: 'boolean', help };
  return { flag: s.flag, kind: 'string', help, arg: s.arg ?? (s.kind === 'sizes' ? 'WxH,...' : 'n') };
}

/** `1280x720,1920x1080` → [[1280, 720], [1920, 1080]]; `name` is the flag for the error. */
export function parseSizes(s: string, name = 'size'): Array<[number, number]> {
  return s.split(',').map((x) => {
    const m = /^(\d+)x(\d+)$/.exec(x.trim());
    const w = Number(m?.[1]);
    const h = Number(m?.[2]);
    if (!m || w < 1 || h < 1) throw new CliError(`${name}: expected WxH[,WxH...], got "${s}"`);
    return [w, h];
  });
}

export function benchUsage(script: string, about: string, specs: Record<string, BenchSpec>): string {
  const table = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, toOptionSpec(s)]));
  return `usage: node bench/${script} [flags]\n${about}\n${usage(table)}\n  --help  this text`;
}

/** The values of every flag (defaults filled in), or 'help'. Throws CliError with one line. */
export function readFlags<T extends Record<string, BenchSpec>>(
  specs: T,
  argv: readonly string[],
): BenchValues<T> | 'help' {
  const table = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, toOptionSpec(s)])) as Record<
    keyof T & string,
    OptionSpec
  >;
  const raw = parseOptions(table, {}, argv);
  if (raw.help) return 'help';
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs) as Array<[keyof T & string, BenchSpec]>) {
    if (s.kind === 'boolean') {
      out[k] = raw.booleans[k] ?? s.default;
      continue;
    }
    const v = raw.strings[k];
    if (v === undefined) {
      out[k] = s.kind === 'sizes' ? parseSizes(s.default, `--${s.flag}`) : s.default;
    } else if (s.kind === 'number') {
      const n = v.trim() === '' ? Number.NaN : Number(v);
      const min = s.min ?? 0;
      if (!Number.isFinite(n) || n < min || (s.integer === true && !Number.isInteger(n)))
        throw new CliError(`--${s.flag}: expected ${s.integer ? 'an integer' : 'a number'} >= ${min}, got "${v}"`);
      out[k] = n;
    } else out[k] = s.kind === 'sizes' ? parseSizes(v, `--${s.flag}`) : v;
  }
  return out as BenchValues<T>;
}

/** readFlags() on process.argv: --help prints the usage (exit 0), a CliError its line (exit 2). */
export function benchFlags<T extends Record<string, BenchSpec>>(
  script: string,
  about: string,
  specs: T,
): BenchValues<T> {
  let r: BenchValues<T> | 'help';
  try {
    r = readFlags(specs, process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`${script}: ${e.message}`);
    process.exit(2);
  }
  if (r === 'help') {
    console.log(benchUsage(script, about, specs));
    process.exit(0);
  }
  return r;
}

/**
 * A comma-separated list flag whose items must be among `allowed` (`--pipelines ours,screencast`): order kept,
 * duplicates dropped, at least one item. Throws CliError naming the flag and the allowed items.
 */
export function parseList<T extends string>(s: string, allowed: readonly T[], name: string): T[] {
  const out: T[] = [];
  for (const raw of s.split(',')) {
    const x = raw.trim();
    const hit = allowed.find((a) => a === x);
    if (hit === undefined) throw new CliError(`${name}: "${x}" is not one of ${allowed.join(', ')}`);
    if (!out.includes(hit)) out.push(hit);
  }
  return out;
}
