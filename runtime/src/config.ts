// Runtime configuration: environment variables + CLI flags (flags win). Pure: no I/O, no process access.
import { isIP } from 'node:net';

// parseConfig() returns either a config, a help request, or ONE human-readable error line.

export interface RuntimeConfig {
  livekitUrl: string;
  /** Room to join. Required when the runtime mints its own token; informational with LIVEKIT_TOKEN. */
  room: string;
  identity: string;
  name: string;
  /** Either a ready token, or apiKey + apiSecret to mint one. */
  token: string | undefined;
  apiKey: string | undefined;
  apiSecret: string | undefined;
  pageUrl: string;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  navAllowedOrigins: string[];
  navAllowPrivate: boolean;
  /** Release focus after this many seconds without input from the holder (0 = never). */
  focusIdleSeconds: number;
  /** Identities that may take focus from a holder not in this list. */
  focusPriority: string[];
  /** Agent identities (exact, or a prefix ending in `*`): anyone else may take focus from them, not the reverse. */
  focusAgents: string[];
  /** Identities that may take screenshots without holding focus. */
  screenshotIdentities: string[];
  /** Exit 0 after the room had no other participant for this long (0 = never). */
  idleTimeoutSeconds: number;
  /** Exit 0 after this long (0 = never). */
  maxDurationSeconds: number;
  /** HTTP port for /healthz, /readyz, /metrics, /status (0 = ephemeral). */
  metricsPort: number;
  /** Bind address of that server (default 0.0.0.0 so kubelet probes and Prometheus reach it). */
  metricsHost: string;
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LIMITS = {
  width: [320, 1920],
  height: [240, 1080],
  fps: [1, 60],
} as const;

export type ParseResult = { kind: 'ok'; config: RuntimeConfig } | { kind: 'help'; text: string } | { kind: 'error'; message: string };

export const USAGE = `Usage: lkbrowser-runtime [flags]
Joins a LiveKit room as a participant that publishes one Chromium page (browser-video, browser-audio)
and accepts input/navigation from the focus holder. Every flag has an environment variable; flags win.

  --livekit-url <ws(s)://...>     LIVEKIT_URL           LiveKit server URL (required)
  --room <name>                   LIVEKIT_ROOM          room (required unless --token)
  --identity <id>                 LIVEKIT_IDENTITY      participant identity (default "browser")
  --name <name>                   LIVEKIT_NAME          participant display name (default = identity)
  --token <jwt>                   LIVEKIT_TOKEN         join token; or:
  --api-key <key>                 LIVEKIT_API_KEY       mint a 10-minute token with key + secret
  --api-secret <secret>           LIVEKIT_API_SECRET
  --url <url>                     LKB_URL               page to open (default about:blank)
  --width <px> --height <px>      LKB_WIDTH/LKB_HEIGHT  viewport, 320..1920 x 240..1080 (default 1280x720)
  --fps <n>                       LKB_FRAMERATE         max frames per second 1..60 (default 30)
  --audio | --no-audio            LKB_AUDIO             publish page audio (default true)
  --allow-origin <origin>         LKB_NAV_ALLOWED_ORIGINS  repeatable; env is a comma list; navigation allowlist
                                                        (https://example.com, https://*.example.com)
  --allow-private                 LKB_NAV_ALLOW_PRIVATE allow loopback/private/link-local targets (default false)
  --focus-idle <s>                LKB_FOCUS_IDLE_SECONDS   release focus after s without input (0 = never, default)
  --focus-priority <ids>          LKB_FOCUS_PRIORITY    comma list of identities that may take focus from others
  --focus-agents <ids>            LKB_FOCUS_AGENTS      comma list of agent identities (prefix* allowed): below humans
  --screenshot-identities <ids>   LKB_SCREENSHOT_IDENTITIES  may take screenshots without holding focus
  --idle-timeout <s>              LKB_IDLE_TIMEOUT_SECONDS exit 0 when alone in the room for s (0 = never, default)
  --max-duration <s>              LKB_MAX_DURATION_SECONDS exit 0 after s (0 = never, default)
  --metrics-port <port>           LKB_METRICS_PORT      /healthz /readyz /metrics /status (default 9090, 0 = ephemeral)
  --metrics-host <addr>           LKB_METRICS_HOST      bind address of that server (default 0.0.0.0)
  --log-level <level>             LKB_LOG_LEVEL         trace|debug|info|warn|error|fatal|silent (default info)
  --help                                                this text
Exit codes: 0 done (signal, idle timeout, max duration), 1 runtime failure (room lost, engine failed), 2 bad config.`;

interface FlagSpec {
  env: string;
  kind: 'string' | 'bool' | 'list';
}

const FLAGS: Record<string, FlagSpec> = {
  'livekit-url': { env: 'LIVEKIT_URL', kind: 'string' },
  room: { env: 'LIVEKIT_ROOM', kind: 'string' },
  identity: { env: 'LIVEKIT_IDENTITY', kind: 'string' },
  name: { env: 'LIVEKIT_NAME', kind: 'string' },
  token: { env: 'LIVEKIT_TOKEN', kind: 'string' },
  'api-key': { env: 'LIVEKIT_API_KEY', kind: 'string' },
  'api-secret': { env: 'LIVEKIT_API_SECRET', kind: 'string' },
  url: { env: 'LKB_URL', kind: 'string' },
  width: { env: 'LKB_WIDTH', kind: 'string' },
  height: { env: 'LKB_HEIGHT', kind: 'string' },
  fps: { env: 'LKB_FRAMERATE', kind: 'string' },
  audio: { env: 'LKB_AUDIO', kind: 'bool' },
  'allow-origin': { env: 'LKB_NAV_ALLOWED_ORIGINS', kind: 'list' },
  'allow-private': { env: 'LKB_NAV_ALLOW_PRIVATE', kind: 'bool' },
  'focus-idle': { env: 'LKB_FOCUS_IDLE_SECONDS', kind: 'string' },
  'focus-priority': { env: 'LKB_FOCUS_PRIORITY', kind: 'list' },
  'focus-agents': { env: 'LKB_FOCUS_AGENTS', kind: 'list' },
  'screenshot-identities': { env: 'LKB_SCREENSHOT_IDENTITIES', kind: 'list' },
  'idle-timeout': { env: 'LKB_IDLE_TIMEOUT_SECONDS', kind: 'string' },
  'max-duration': { env: 'LKB_MAX_DURATION_SECONDS', kind: 'string' },
  'metrics-port': { env: 'LKB_METRICS_PORT', kind: 'string' },
  'metrics-host': { env: 'LKB_METRICS_HOST', kind: 'string' },
  'log-level': { env: 'LKB_LOG_LEVEL', kind: 'string' },
};

class ConfigError extends Error {}

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
  throw new ConfigError(`${name}: expected true or false, got "${v}"`);
}

function parseInt10(name: string, v: string, min: number, max: number): number {
  const s = v.trim();
  if (!/^-?\d+$/.test(s)) throw new ConfigError(`${name}: expected an integer ${min}..${max}, got "${v}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: must be an integer ${min}..${max}, got ${s}`);
  }
  return n;
}

/** Collected raw values: flags override env per key; list flags accumulate (repeatable). */
interface Raw {
  values: Map<string, string>;
  lists: Map<string, string[]>;
  bools: Map<string, boolean>;
  /** Which name to use in error messages for a key (the flag if given, else the env var). */
  source: Map<string, string>;
}

function collect(env: Record<string, string | undefined>, argv: readonly string[]): Raw | 'help' {
  const raw: Raw = { values: new Map(), lists: new Map(), bools: new Map(), source: new Map() };
  for (const [key, spec] of Object.entries(FLAGS)) {
    const v = env[spec.env];
    if (v === undefined || v === '') continue;
    raw.source.set(key, spec.env);
    if (spec.kind === 'bool') raw.bools.set(key, parseBool(spec.env, v));
    else if (spec.kind === 'list') raw.lists.set(key, splitList(v));
    else raw.values.set(key, v);
  }
  const flagLists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}" (see --help)`);
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (name.startsWith('no-') && FLAGS[name.slice(3)]?.kind === 'bool' && inline === undefined) {
      raw.bools.set(name.slice(3), false);
      raw.source.set(name.slice(3), `--${name}`);
      continue;
    }
    const spec = FLAGS[name];
    if (!spec) throw new ConfigError(`unknown flag --${name} (see --help)`);
    raw.source.set(name, `--${name}`);
    if (spec.kind === 'bool') {
      raw.bools.set(name, inline === undefined ? true : parseBool(`--${name}`, inline));
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.kind === 'list') {
      const l = flagLists.get(name) ?? [];
      l.push(...splitList(value));
      flagLists.set(name, l);
    } else raw.values.set(name, value);
  }
  for (const [k, l] of flagLists) raw.lists.set(k, l);
  return raw;
}

function validUrlScheme(name: string, v: string, schemes: string[]): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${name}: not a valid URL: "${v}"`);
  }
  if (!schemes.includes(u.protocol)) {
    throw new ConfigError(`${name}: scheme must be one of ${schemes.join(' ')}, got "${u.protocol}"`);
  }
  return v;
}

export function parseConfig(env: Record<string, string | undefined>, argv: readonly string[]): ParseResult {
  try {
    const raw = collect(env, argv);
    if (raw === 'help') return { kind: 'help', text: USAGE };
    const src = (k: string): string => raw.source.get(k) ?? `--${k}`;
    const str = (k: string): string | undefined => raw.values.get(k)?.trim() || undefined;
    const int = (k: string, def: number, min: number, max: number): number => {
      const v = raw.values.get(k);
      return v === undefined ? def : parseInt10(src(k), v, min, max);
    };

    const livekitUrl = str('livekit-url');
    if (!livekitUrl) throw new ConfigError('LIVEKIT_URL (--livekit-url) is required');
    validUrlScheme(src('livekit-url'), livekitUrl, ['ws:', 'wss:', 'http:', 'https:']);

    const token = str('token');
    const apiKey = str('api-key');
    const apiSecret = str('api-secret');
    const room = str('room') ?? '';
    if (!token) {
      if (!apiKey || !apiSecret) {
        throw new ConfigError('credentials: set LIVEKIT_TOKEN (--token) or both LIVEKIT_API_KEY and LIVEKIT_API_SECRET');
      }
      if (!room) throw new ConfigError('LIVEKIT_ROOM (--room) is required when minting a token from an API key');
    }
    const identity = str('identity') ?? 'browser';
    if (identity.length > 128) throw new ConfigError(`${src('identity')}: at most 128 characters`);

    const pageUrl = str('url') ?? 'about:blank';
    if (pageUrl !== 'about:blank') validUrlScheme(src('url'), pageUrl, ['http:', 'https:']);

    const origins = raw.lists.get('allow-origin') ?? [];
    for (const o of origins) {
      const bare = o.replace('://*.', '://');
      let u: URL;
      try {
        u = new URL(bare);
      } catch {
        throw new ConfigError(`${src('allow-origin')}: not an origin: "${o}"`);
      }
      if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
        throw new ConfigError(`${src('allow-origin')}: expected scheme://host[:port], got "${o}"`);
      }
    }

    const metricsHost = str('metrics-host');
    if (metricsHost !== undefined && isIP(metricsHost) === 0) {
      throw new ConfigError(`${src('metrics-host')}: expected an IP address, got "${metricsHost}"`);
    }

    const logLevel = (str('log-level') ?? 'info').toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
      throw new ConfigError(`${src('log-level')}: expected one of ${LOG_LEVELS.join('|')}, got "${logLevel}"`);
    }

    const config: RuntimeConfig = {
      livekitUrl,
      room,
      identity,
      name: str('name') ?? identity,
      token,
      apiKey,
      apiSecret,
      pageUrl,
      width: int('width', 1280, LIMITS.width[0], LIMITS.width[1]),
      height: int('height', 720, LIMITS.height[0], LIMITS.height[1]),
      fps: int('fps', 30, LIMITS.fps[0], LIMITS.fps[1]),
      audio: raw.bools.get('audio') ?? true,
      navAllowedOrigins: origins,
      navAllowPrivate: raw.bools.get('allow-private') ?? false,
      focusIdleSeconds: int('focus-idle', 0, 0, 86_400),
      focusPriority: raw.lists.get('focus-priority') ?? [],
      focusAgents: raw.lists.get('focus-agents') ?? [],
      screenshotIdentities: raw.lists.get('screenshot-identities') ?? [],
      idleTimeoutSeconds: int('idle-timeout', 0, 0, 7 * 86_400),
      maxDurationSeconds: int('max-duration', 0, 0, 30 * 86_400),
      metricsPort: int('metrics-port', 9090, 0, 65_535),
      metricsHost: str('metrics-host') ?? '0.0.0.0',
      logLevel: logLevel as LogLevel,
    };
    return { kind: 'ok', config };
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message };
    throw e;
  }
}
