// The LiveKit project's API key and secret, read from the operator's own mounted Secret (--livekit-credentials-dir:
// files `apiKey` and `apiSecret`, the chart mounts its Secret there). Read at every mint, so a rotated Secret is
// picked up once the kubelet has updated the volume. The operator needs no RBAC on Secrets to read them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiCredentials } from './room-token.ts';

const MAX_BYTES = 4096;

function readOne(dir: string, file: string): string {
  const v = readFileSync(join(dir, file), 'utf8').trim();
  if (!v) throw new Error(`LiveKit credentials: ${join(dir, file)} is empty`);
  if (v.length > MAX_BYTES)
    throw new Error(`LiveKit credentials: ${join(dir, file)} is larger than ${MAX_BYTES} bytes`);
  return v;
}

export function readCredentials(dir: string): ApiCredentials {
  if (!dir) throw new Error('LiveKit credentials: --livekit-credentials-dir is not set');
  return { apiKey: readOne(dir, 'apiKey'), apiSecret: readOne(dir, 'apiSecret') };
}
