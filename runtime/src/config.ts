// Runtime configuration: environment variables + CLI flags (flags win). Pure: no I/O, no process access.
import { isIP } from 'node:net';
import { CliError, type OptionSpec, parseOptions, usage } from '@lkbrowser/cli';
import { ENGINE_KINDS, type EngineKind } from '@lkbrowser/native';
import { MIN_TOKEN_LENGTH } from './automation/bearer.ts';
import { parseCidr } from './egress/address-policy.ts';
import { DEFAULT_VIDEO_CODEC, parseVideoCodec, VIDEO_CODECS, type VideoCodecName } from './video-codec.ts';

/** Room and display name bound (LiveKit has no documented maximum; these values reach logs and tokens). */
const MAX_NAME_LENGTH = 256;

// parseConfig() returns either a config, a help request, or ONE human-readable error line.

export interface RuntimeConfig {
  livekitUrl: string;
  /** Room to join. Required when the runtime mints its own token; informational with LIVEKIT_TOKEN. */
  room: string;
  identity: string;
  name: string;
  /** A ready token, a file holding one (re-read when it changes), or apiKey + apiSecret to mint one. */
  token: string | undefined;
  tokenFile: string | undefined;
  apiKey: string | undefined;
  apiSecret: string | undefined;
  /** The page to open (BrowserSession spec.url). */
  url: string;
  width: number;
  height: number;
  framerate: number;
  /** Codec of browser-video (BrowserSession spec.videoCodec). */
  videoCodec: VideoCodecName;
  audio: boolean;
  navAllowedOrigins: string[];
  navAllowPrivateNetworks: boolean;
  /** Extra CIDRs the egress proxy refuses even with navAllowPrivateNetworks (the cluster's pod/service ranges). */
  egressDenyCidrs: string[];
  /** Run Chromium as this uid (runtime running as root only); undefined = the runtime's uid. */
  chromiumUid: number | undefined;
  /** Rendering engine: 'chromium' (Chromium under Xvfb, default) or 'cef' (CEF off-screen, native/cef-host). */
  engine: EngineKind;
  /** Release focus after this many seconds without input from the holder (0 = never). */
  focusIdleReleaseSeconds: number;
  /** Release focus after this many seconds of holding, input or not (0 = never). */
  focusMaxHoldSeconds: number;
  /** Identities that may take focus from a holder not in this list. */
  focusPriorityIdentities: string[];
  /** Identities that may revoke focus (browser/revoke-focus). */
  focusAdminIdentities: string[];
  /** Agent identities (exact, or a prefix ending in `*`): anyone else may take focus from them, not the reverse. */
  focusAgentIdentities: string[];
  /** Identities that may take screenshots without holding focus. */
  screenshotIdentities: string[];
  /** Exit 0 after the room had no other participant for this long (0 = never). */
  emptyRoomTimeoutSeconds: number;
  /** Exit 0 after this long (0 = never). */
  maxDurationSeconds: number;
  /** Opt-in automation access (CDP for Playwright/puppeteer, scoped to the page; docs/automation.md). Default off. */
  automation: boolean;
  /** Port of the automation endpoint (0 = ephemeral). */
  automationPort: number;
  /** Bind address of the automation endpoint. */
  automationHost: string;
  /** File holding the automation bearer token (a mounted Secret; re-read on every connection). */
  automationTokenFile: string | undefined;
  /** HTTP port for /healthz, /readyz, /metrics, /status (0 = ephemeral). */
  metricsPort: number;
  /** Bind address of that server (default 0.0.0.0 so kubelet probes and Prometheus reach it). */
  metricsHost: string;
  logLevel: LogLevel;
  /** Standby (warm pool): sha256 hex of the claim secret; the runtime waits on a blank page for POST /claim. */
  claimSecretSha256: string | undefined;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LIMITS = {
  width: [320, 1920],
  height: [240, 1080],
  framerate: [1, 60],
} as const;

export type ParseResult =
  | { kind: 'ok'; config: RuntimeConfig }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/**
 * Every setting: one name from the BrowserSession CRD to the pod's environment to the flag. For LKB_ variables the
 * flag is the variable without LKB_ in kebab case and the RuntimeConfig key the same in camel case
 * (spec.viewport.framerate → LKB_FRAMERATE → --framerate → framerate); LIVEKIT_ variables are LiveKit's own names.
 */
export const OPTIONS = {
  livekitUrl: {
    flag: 'livekit-url',
    env: 'LIVEKIT_URL',
    kind: 'string',
    arg: 'ws(s)://...',
    help: 'LiveKit server URL (required)',
  },
  room: { flag: 'room', env: 'LIVEKIT_ROOM', kind: 'string', arg: 'name', help: 'room (required unless --token)' },
  identity: {
    flag: 'identity',
    env: 'LIVEKIT_IDENTITY',
    kind: 'string',
    arg: 'id',
    help: 'participant identity (default "browser")',
  },
  name: {
    flag: 'name',
    env: 'LIVEKIT_NAME',
    kind: 'string',
    arg: 'name',
    help: 'participant display name (default = identity)',
  },
  token: { flag: 'token', env: 'LIVEKIT_TOKEN', kind: 'string', arg: 'jwt', help: 'join token; or:' },
  tokenFile: {
    flag: 'token-file',
    env: 'LKB_TOKEN_FILE',
    kind: 'string',
    arg: 'path',
    help: 'file holding the join token (a mounted Secret; re-read when it changes, used for every connect); or:',
  },
  apiKey: {
    flag: 'api-key',
    env: 'LIVEKIT_API_KEY',
    kind: 'string',
    arg: 'key',
    help: 'mint a 10-minute token with key + secret',
  },
  apiSecret: { flag: 'api-secret', env: 'LIVEKIT_API_SECRET', kind: 'string', arg: 'secret', help: '' },
  url: { flag: 'url', env: 'LKB_URL', kind: 'string', arg: 'url', help: 'page to open (default about:blank)' },
  width: {
    flag: 'width',
    env: 'LKB_WIDTH',
    kind: 'string',
    arg: 'px',
    help: 'viewport width 320..1920 (default 1280)',
  },
  height: {
    flag: 'height',
    env: 'LKB_HEIGHT',
    kind: 'string',
    arg: 'px',
    help: 'viewport height 240..1080 (default 720)',
  },
  framerate: {
    flag: 'framerate',
    env: 'LKB_FRAMERATE',
    kind: 'string',
    arg: 'n',
    help: 'max frames per second 1..60 (default 30)',
  },
  videoCodec: {
    flag: 'video-codec',
    env: 'LKB_VIDEO_CODEC',
    kind: 'string',
    arg: 'name',
    help: `codec of browser-video: ${VIDEO_CODECS.join(' | ')} (default ${DEFAULT_VIDEO_CODEC})`,
  },
  audio: { flag: 'audio', env: 'LKB_AUDIO', kind: 'boolean', help: 'publish page audio (default true)' },
  navAllowedOrigins: {
    flag: 'nav-allowed-origins',
    env: 'LKB_NAV_ALLOWED_ORIGINS',
    kind: 'list',
    arg: 'origins',
    help: 'navigation allowlist, repeatable comma lists (https://example.com, https://*.example.com)',
  },
  navAllowPrivateNetworks: {
    flag: 'nav-allow-private-networks',
    env: 'LKB_NAV_ALLOW_PRIVATE_NETWORKS',
    kind: 'boolean',
    help: 'allow loopback/private/link-local targets (default false)',
  },
  egressDenyCidrs: {
    flag: 'egress-deny-cidrs',
    env: 'LKB_EGRESS_DENY_CIDRS',
    kind: 'list',
    arg: 'cidrs',
    help: 'ranges the egress proxy always refuses, even with private networks allowed (the cluster pod + service CIDRs)',
  },
  chromiumUid: {
    flag: 'chromium-uid',
    env: 'LKB_CHROMIUM_UID',
    kind: 'string',
    arg: 'uid',
    help: "run Chromium as this uid, apart from Node (needs root); Chromium's sandbox is on whenever it is not root and may create user namespaces",
  },
  engine: {
    flag: 'engine',
    env: 'LKB_ENGINE',
    kind: 'string',
    arg: 'name',
    help: `rendering engine: ${ENGINE_KINDS.join(' | ')} (default chromium)`,
  },
  focusIdleReleaseSeconds: {
    flag: 'focus-idle-release-seconds',
    env: 'LKB_FOCUS_IDLE_RELEASE_SECONDS',
    kind: 'string',
    arg: 's',
    help: 'release focus after s without input (0 = never, default 120 = the CRD default)',
  },
  focusMaxHoldSeconds: {
    flag: 'focus-max-hold-seconds',
    env: 'LKB_FOCUS_MAX_HOLD_SECONDS',
    kind: 'string',
    arg: 's',
    help: 'release focus after s of holding, input or not (0 = never, default 3600)',
  },
  focusAdminIdentities: {
    flag: 'focus-admin-identities',
    env: 'LKB_FOCUS_ADMIN_IDENTITIES',
    kind: 'list',
    arg: 'ids',
    help: 'identities that may call browser/revoke-focus',
  },
  focusPriorityIdentities: {
    flag: 'focus-priority-identities',
    env: 'LKB_FOCUS_PRIORITY_IDENTITIES',
    kind: 'list',
    arg: 'ids',
    help: 'identities that may take focus from others',
  },
  focusAgentIdentities: {
    flag: 'focus-agent-identities',
    env: 'LKB_FOCUS_AGENT_IDENTITIES',
    kind: 'list',
    arg: 'ids',
    help: 'agent identities (prefix* allowed): anyone else takes focus from them',
  },
  screenshotIdentities: {
    flag: 'screenshot-identities',
    env: 'LKB_SCREENSHOT_IDENTITIES',
    kind: 'list',
    arg: 'ids',
    help: 'identities that may take screenshots without holding focus',
  },
  emptyRoomTimeoutSeconds: {
    flag: 'empty-room-timeout-seconds',
    env: 'LKB_EMPTY_ROOM_TIMEOUT_SECONDS',
    kind: 'string',
    arg: 's',
    help: 'exit 0 when alone in the room for s (0 = never, default)',
  },
  maxDurationSeconds: {
    flag: 'max-duration-seconds',
    env: 'LKB_MAX_DURATION_SECONDS',
    kind: 'string',
    arg: 's',
    help: 'exit 0 after s (0 = never, default)',
  },
  automation: {
    flag: 'automation',
    env: 'LKB_AUTOMATION',
    kind: 'boolean',
    help: 'serve a DevTools endpoint scoped to the page, for Playwright/puppeteer (default false; docs/automation.md)',
  },
  automationPort: {
    flag: 'automation-port',
    env: 'LKB_AUTOMATION_PORT',
    kind: 'string',
    arg: 'port',
    help: 'port of that endpoint (default 9223, 0 = ephemeral)',
  },
  automationHost: {
    flag: 'automation-host',
    env: 'LKB_AUTOMATION_HOST',
    kind: 'string',
    arg: 'addr',
    help: 'bind address of that endpoint (default 0.0.0.0)',
  },
  automationTokenFile: {
    flag: 'automation-token-file',
    env: 'LKB_AUTOMATION_TOKEN_FILE',
    kind: 'string',
    arg: 'path',
    help: `bearer token clients must send (at least ${MIN_TOKEN_LENGTH} characters; required with --automation)`,
  },
  metricsPort: {
    flag: 'metrics-port',
    env: 'LKB_METRICS_PORT',
    kind: 'string',
    arg: 'port',
    help: '/healthz /readyz /metrics /status (default 9090, 0 = ephemeral)',
  },
  metricsHost: {
    flag: 'metrics-host',
    env: 'LKB_METRICS_HOST',
    kind: 'string',
    arg: 'addr',
    help: 'bind address of that server (default 0.0.0.0)',
  },
  logLevel: {
    flag: 'log-level',
    env: 'LKB_LOG_LEVEL',
    kind: 'string',
    arg: 'level',
    help: 'trace|debug|info|warn|error|fatal|silent (default info)',
  },
  claimSecretSha256: {
    flag: 'claim-secret-sha256',
    env: 'LKB_CLAIM_SECRET_SHA256',
    kind: 'string',
    arg: 'hex',
    help: 'standby (warm pool): start the engine on a blank page, join nothing, wait for POST /claim with this secret',
  },
} as const satisfies Record<keyof RuntimeConfig, OptionSpec>;

export const USAGE = `Usage: lkbrowser-runtime [flags]
Joins a LiveKit room as a participant that publishes one Chromium page (browser-video, browser-audio)
and accepts input/navigation from the focus holder. Every flag has an environment variable; flags win.

${usage(OPTIONS)}
  --help  this text
Exit codes: 0 done (signal, empty-room timeout, max duration), 1 runtime failure (room lost, engine failed), 2 bad config.`;

class ConfigError extends Error {}

function parseInt10(name: string, v: string, min: number, max: number): number {
  const s = v.trim();
  if (!/^-?\d+$/.test(s)) throw new ConfigError(`${name}: expected an integer ${min}..${max}, got "${v}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}: must be an integer ${min}..${max}, got ${s}`);
  }
  return n;
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
    const raw = parseOptions(OPTIONS, env, argv);
    if (raw.help) return { kind: 'help', text: USAGE };
    type Key = keyof typeof OPTIONS;
    const src = (k: Key): string => raw.source[k] ?? `--${OPTIONS[k].flag}`;
    const str = (k: Key): string | undefined => raw.strings[k]?.trim() || undefined;
    const int = (k: Key, def: number, min: number, max: number): number => {
      const v = raw.strings[k];
      return v === undefined ? def : parseInt10(src(k), v, min, max);
    };

    const claimSecretSha256 = str('claimSecretSha256')?.toLowerCase();
    if (claimSecretSha256 !== undefined && !/^[0-9a-f]{64}$/.test(claimSecretSha256))
      throw new ConfigError(`${src('claimSecretSha256')}: expected 64 hex digits (a sha256)`);
    const standby = claimSecretSha256 !== undefined;
    // A standby runtime is told where to go by its claim: no server, room or credentials before that.
    const livekitUrl = str('livekitUrl') ?? '';
    if (!livekitUrl && !standby) throw new ConfigError('LIVEKIT_URL (--livekit-url) is required');
    if (livekitUrl) validUrlScheme(src('livekitUrl'), livekitUrl, ['ws:', 'wss:', 'http:', 'https:']);

    const token = str('token');
    const tokenFile = str('tokenFile');
    const apiKey = str('apiKey');
    const apiSecret = str('apiSecret');
    const room = str('room') ?? '';
    if (token && tokenFile)
      throw new ConfigError('credentials: set LIVEKIT_TOKEN (--token) or LKB_TOKEN_FILE (--token-file), not both');
    if (standby && (token || tokenFile || apiKey || apiSecret))
      throw new ConfigError('standby: a pool runtime holds no credentials until its claim brings a token');
    if (!token && !tokenFile && !standby) {
      if (!apiKey || !apiSecret) {
        throw new ConfigError(
          'credentials: set LKB_TOKEN_FILE (--token-file), LIVEKIT_TOKEN (--token) or both LIVEKIT_API_KEY and LIVEKIT_API_SECRET',
        );
      }
      if (!room) throw new ConfigError('LIVEKIT_ROOM (--room) is required when minting a token from an API key');
    }
    if (room.length > MAX_NAME_LENGTH) throw new ConfigError(`${src('room')}: at most ${MAX_NAME_LENGTH} characters`);
    const identity = str('identity') ?? 'browser';
    if (identity.length > 128) throw new ConfigError(`${src('identity')}: at most 128 characters`);
    const name = str('name') ?? identity;
    if (name.length > MAX_NAME_LENGTH) throw new ConfigError(`${src('name')}: at most ${MAX_NAME_LENGTH} characters`);
    const egressDenyCidrs = raw.lists.egressDenyCidrs ?? [];
    for (const c of egressDenyCidrs) {
      try {
        parseCidr(c);
      } catch {
        throw new ConfigError(`${src('egressDenyCidrs')}: not a CIDR: "${c}"`);
      }
    }
    const idList = (k: 'focusPriorityIdentities' | 'focusAdminIdentities'): string[] => {
      const l = raw.lists[k] ?? [];
      if (l.length > 64 || l.some((s) => s.length > 128))
        throw new ConfigError(`${src(k)}: at most 64 identities of at most 128 characters`);
      return l;
    };

    const url = str('url') ?? 'about:blank';
    if (url !== 'about:blank') validUrlScheme(src('url'), url, ['http:', 'https:']);

    const origins = raw.lists.navAllowedOrigins ?? [];
    for (const o of origins) {
      const bare = o.replace('://*.', '://');
      let u: URL;
      try {
        u = new URL(bare);
      } catch {
        throw new ConfigError(`${src('navAllowedOrigins')}: not an origin: "${o}"`);
      }
      if (
        (u.protocol !== 'http:' && u.protocol !== 'https:') ||
        (u.pathname !== '/' && u.pathname !== '') ||
        u.search ||
        u.hash
      ) {
        throw new ConfigError(`${src('navAllowedOrigins')}: expected scheme://host[:port], got "${o}"`);
      }
    }

    const metricsHost = str('metricsHost');
    if (metricsHost !== undefined && isIP(metricsHost) === 0) {
      throw new ConfigError(`${src('metricsHost')}: expected an IP address, got "${metricsHost}"`);
    }
    const automation = raw.booleans.automation ?? false;
    const automationHost = str('automationHost');
    if (automationHost !== undefined && isIP(automationHost) === 0) {
      throw new ConfigError(`${src('automationHost')}: expected an IP address, got "${automationHost}"`);
    }
    const automationTokenFile = str('automationTokenFile');
    if (automation && !automationTokenFile) {
      throw new ConfigError(`${src('automation')} needs LKB_AUTOMATION_TOKEN_FILE (--automation-token-file)`);
    }

    const logLevel = (str('logLevel') ?? 'info').toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
      throw new ConfigError(`${src('logLevel')}: expected one of ${LOG_LEVELS.join('|')}, got "${logLevel}"`);
    }

    const engineName = str('engine') ?? 'chromium';
    const engine = ENGINE_KINDS.find((k) => k === engineName);
    if (!engine)
      throw new ConfigError(`${src('engine')}: expected one of ${ENGINE_KINDS.join('|')}, got "${engineName}"`);

    const codecName = str('videoCodec') ?? DEFAULT_VIDEO_CODEC;
    const videoCodec = parseVideoCodec(codecName);
    if (!videoCodec)
      throw new ConfigError(`${src('videoCodec')}: expected one of ${VIDEO_CODECS.join('|')}, got "${codecName}"`);

    const config: RuntimeConfig = {
      livekitUrl,
      room,
      identity,
      name,
      token,
      tokenFile,
      apiKey,
      apiSecret,
      url,
      width: int('width', 1280, LIMITS.width[0], LIMITS.width[1]),
      height: int('height', 720, LIMITS.height[0], LIMITS.height[1]),
      framerate: int('framerate', 30, LIMITS.framerate[0], LIMITS.framerate[1]),
      videoCodec,
      audio: raw.booleans.audio ?? true,
      navAllowedOrigins: origins,
      navAllowPrivateNetworks: raw.booleans.navAllowPrivateNetworks ?? false,
      egressDenyCidrs,
      chromiumUid: raw.strings.chromiumUid === undefined ? undefined : int('chromiumUid', 0, 1, 2 ** 30),
      engine,
      // 120 s: the CRD's default for spec.focus.idleReleaseSeconds.
      focusIdleReleaseSeconds: int('focusIdleReleaseSeconds', 120, 0, 86_400),
      focusMaxHoldSeconds: int('focusMaxHoldSeconds', 3600, 0, 7 * 86_400),
      focusPriorityIdentities: idList('focusPriorityIdentities'),
      focusAdminIdentities: idList('focusAdminIdentities'),
      focusAgentIdentities: raw.lists.focusAgentIdentities ?? [],
      screenshotIdentities: raw.lists.screenshotIdentities ?? [],
      emptyRoomTimeoutSeconds: int('emptyRoomTimeoutSeconds', 0, 0, 7 * 86_400),
      maxDurationSeconds: int('maxDurationSeconds', 0, 0, 30 * 86_400),
      automation,
      automationPort: int('automationPort', 9223, 0, 65_535),
      automationHost: automationHost ?? '0.0.0.0',
      automationTokenFile,
      metricsPort: int('metricsPort', 9090, 0, 65_535),
      metricsHost: str('metricsHost') ?? '0.0.0.0',
      logLevel: logLevel as LogLevel,
      claimSecretSha256,
    };
    return { kind: 'ok', config };
  } catch (e) {
    if (e instanceof ConfigError || e instanceof CliError) return { kind: 'error', message: e.message };
    throw e;
  }
}
