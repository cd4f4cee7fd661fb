// The N-API addon (native/addon/shm.cc) and where the built artifacts live.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EngineKind } from './engine-api.ts';

// Found through the package, not this file's URL: the runtime's bundle (runtime/build.ts) contains this module.
const buildDir = join(dirname(dirname(createRequire(import.meta.url).resolve('@lkbrowser/native'))), 'build/Release/');
export const ADDON_PATH = `${buildDir}lkb_shm.node`;
export const HOST_PATH = `${buildDir}lkb-host`;
/** The CEF engine host (native/cef-host, copied here by `npm run build -w native`). */
export const CEF_HOST_PATH = `${buildDir}lkb-cef-host`;

export function hostPath(engine: EngineKind): string {
  return engine === 'cef' ? CEF_HOST_PATH : HOST_PATH;
}

interface ShmAddon {
  mapShm(name: string, offset: number, length: number, writable?: boolean): ArrayBuffer;
}

let addon: ShmAddon | undefined;

function load(): ShmAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(`native addon not built (${ADDON_PATH} missing): run \`npm run build -w native\``);
  }
  addon = createRequire(import.meta.url)(ADDON_PATH) as ShmAddon;
  return addon;
}

export function assertBuilt(engine: EngineKind = 'chromium'): void {
  load();
  const host = hostPath(engine);
  if (!existsSync(host)) throw new Error(`engine host not built (${host} missing): run \`npm run build -w native\``);
}

/**
 * Maps every slot of a frame ring as its own ArrayBuffer (offset 0 = first pixel of the slot).
 * Each ArrayBuffer owns its mapping (unmapped when garbage-collected), so the segment name can be
 * unlinked right after this returns.
 */
export function mapSlots(name: string, slots: number, slotSize: number): ArrayBuffer[] {
  const a = load();
  const out: ArrayBuffer[] = [];
  for (let i = 0; i < slots; i++) out.push(a.mapShm(name, i * slotSize, slotSize, false));
  return out;
}
