// Command-line flags with environment fallbacks (flag > env > default), on node:util parseArgs. One table of
// definitions drives parsing, conversion and --help. Booleans are `--flag` / `--no-flag`.
import { parseArgs } from 'node:util';

export type FlagType = 'string' | 'boolean' | 'int' | 'list' | 'duration';

export interface FlagDef<K extends string> {
  key: K;
  env: string;
  help: string;
  type: FlagType;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "15s", "500ms", "2m", "1h" or a plain number of milliseconds. */
export function parseDuration(s: string): number {
  const t = s.trim();
  const unit = ['ms', 's', 'm', 'h'].find((u) => t.endsWith(u) && !(u === 's' && t.endsWith('ms'))) ?? '';
  const num = t.slice(0, t.length - unit.length);
  const n = num === '' ? Number.NaN : Number(num);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid duration ${JSON.stringify(s)} (use e.g. 500ms, 15s, 2m)`);
  return Math.round(n * (UNIT_MS[unit] ?? 1));
}

/** Converts one raw value (from a flag or the environment) to its type; `where` names it in errors. */
export function convertFlag(type: FlagType, where: string, raw: string | boolean): unknown {
  switch (type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v) || v === '') return false;
      throw new Error(`${where}: expected true/false, got ${JSON.stringify(raw)}`);
    }
    case 'int': {
      const n = Number(raw);
      if (String(raw).trim() === '' || !Number.isInteger(n) || n < 0)
        throw new Error(`${where}: expected a non-negative integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'duration':
      try {
        return parseDuration(String(raw));
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    case 'list':
      return String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      return String(raw);
  }
}

export type FlagsResult<C> = { help: true } | { help: false; config: C };

/** Applies env, then flags, over `defaults`. Unknown flags and positionals are errors (parseArgs strict mode). */
export function parseFlags<C extends object>(
  defs: Record<string, FlagDef<Extract<keyof C, string>>>,
  defaults: C,
  argv: string[],
  env: Record<string, string | undefined>,
): FlagsResult<C> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, def] of Object.entries(defs))
    options[name] = { type: def.type === 'boolean' ? 'boolean' : 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false, allowNegative: true });
  if (values.help === true) return { help: true };
  const out = { ...defaults } as Record<string, unknown>;
  for (const [name, def] of Object.entries(defs)) {
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') out[def.key] = convertFlag(def.type, def.env, fromEnv);
    const fromFlag = values[name];
    if (fromFlag !== undefined) out[def.key] = convertFlag(def.type, `--${name}`, fromFlag);
  }
  return { help: false, config: out as C };
}

export function flagsHelp<C extends object>(
  defs: Record<string, FlagDef<Extract<keyof C, string>>>,
  defaults: C,
  header: string[],
): string {
  const lines = [...header, '', 'Flags (env var in brackets):'];
  for (const [name, def] of Object.entries(defs)) {
    const dv = (defaults as Record<string, unknown>)[def.key];
    const shown = Array.isArray(dv) ? dv.join(',') : String(dv);
    const flag = def.type === 'boolean' ? `${name}, --no-${name}` : name;
    lines.push(`  --${flag.padEnd(28)} ${def.help} [${def.env}] (default ${JSON.stringify(shown)})`);
  }
  lines.push(`  --${'help'.padEnd(28)} print this help`);
  return lines.join('\n');
}
