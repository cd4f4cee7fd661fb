// The engine host's environment, built from scratch: the runtime's own environment holds LiveKit credentials
// (LIVEKIT_API_SECRET, LIVEKIT_TOKEN) and the host passes its environment on to Xvfb, PulseAudio, Chromium and
// crashpad, which parse untrusted input. Only what those processes need is copied. Pure.

/** Variables copied from the parent when set. Everything else (credentials included) is dropped. */
export const HOST_ENV_ALLOWLIST = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'LKB_HOST_DEBUG'] as const;

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export function hostEnvironment(parent: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOST_ENV_ALLOWLIST) {
    const v = parent[k];
    if (v !== undefined && v !== '' && v.length <= 4096) env[k] = v;
  }
  env.PATH ??= DEFAULT_PATH;
  return env;
}
