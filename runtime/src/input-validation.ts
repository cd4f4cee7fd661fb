// Parse and validate one `browser-input` data packet (docs/room-protocol.md). Never throws.
// Packet-level problems reject the whole packet; event-level problems drop that event only.

import { INPUT_LIMITS, type MouseButton } from '@lkbrowser/protocol';

/** An event that passed validation: the protocol's InputEvent with every optional number filled in. */
export type ValidInputEvent =
  | { type: 'mousemove'; x: number; y: number; modifiers: number }
  | { type: 'mousedown' | 'mouseup'; x: number; y: number; button: MouseButton; clickCount: number; modifiers: number }
  | { type: 'wheel'; x: number; y: number; deltaX: number; deltaY: number; modifiers: number }
  | { type: 'keydown' | 'keyup'; keyCode: number; modifiers: number; key?: string; code?: string }
  | { type: 'char'; keyCode: number; charCode: number; modifiers: number }
  | { type: 'text'; text: string }
  | { type: 'mouseleave' };

export type PacketRejectReason = 'too_large' | 'bad_json' | 'not_array' | 'too_many_events';
export type EventDropReason = 'not_object' | 'unknown_type' | 'bad_field' | 'out_of_bounds';
export type DropReason = PacketRejectReason | EventDropReason;

export interface Viewport {
  width: number;
  height: number;
}

export interface ParseResult {
  events: ValidInputEvent[];
  /** Set when the whole packet was rejected. */
  rejected?: PacketRejectReason;
  /** Event-level drops by reason. */
  dropped: Partial<Record<EventDropReason, number>>;
}

class Drop extends Error {
  readonly reason: EventDropReason;
  constructor(reason: EventDropReason) {
    super(reason);
    this.reason = reason;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Drop('bad_field');
  return v;
}

function optInt(o: Record<string, unknown>, k: string, def: number, min: number, max: number): number {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Drop('bad_field');
  return v;
}

function optNum(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Drop('bad_field');
  return v;
}

function optKeyString(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > INPUT_LIMITS.maxKeyStringChars) throw new Drop('bad_field');
  return v;
}

function point(o: Record<string, unknown>, vp: Viewport): { x: number; y: number } {
  const x = num(o, 'x');
  const y = num(o, 'y');
  if (x < 0 || y < 0 || x >= vp.width || y >= vp.height) throw new Drop('out_of_bounds');
  return { x, y };
}

function clampDelta(v: number): number {
  const m = INPUT_LIMITS.maxWheelDelta;
  return v > m ? m : v < -m ? -m : v;
}

function modifiers(o: Record<string, unknown>): number {
  return optInt(o, 'modifiers', 0, 0, INPUT_LIMITS.maxModifiers);
}

function keyCode(o: Record<string, unknown>): number {
  const v = o.keyCode;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw new Drop('bad_field');
  return v;
}

/** Validates one event as if it came in a packet: the event, or why it would be dropped. */
export function validateInputEvent(raw: unknown, vp: Viewport): ValidInputEvent | EventDropReason {
  try {
    return validateEvent(raw, vp);
  } catch (e) {
    if (!(e instanceof Drop)) throw e;
    return e.reason;
  }
}

function validateEvent(raw: unknown, vp: Viewport): ValidInputEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Drop('not_object');
  const o = raw as Record<string, unknown>;
  switch (o.type) {
    case 'mousemove': {
      const p = point(o, vp);
      return { type: 'mousemove', x: p.x, y: p.y, modifiers: modifiers(o) };
    }
    case 'mousedown':
    case 'mouseup': {
      const p = point(o, vp);
      const button = optInt(o, 'button', 0, 0, 2) as MouseButton;
      const clickCount = optInt(o, 'clickCount', 1, 1, 3);
      return { type: o.type, x: p.x, y: p.y, button, clickCount, modifiers: modifiers(o) };
    }
    case 'wheel': {
      const p = point(o, vp);
      return {
        type: 'wheel',
        x: p.x,
        y: p.y,
        deltaX: clampDelta(optNum(o, 'deltaX')),
        deltaY: clampDelta(optNum(o, 'deltaY')),
        modifiers: modifiers(o),
      };
    }
    case 'keydown':
    case 'keyup': {
      const ev: ValidInputEvent = { type: o.type, keyCode: keyCode(o), modifiers: modifiers(o) };
      const key = optKeyString(o, 'key');
      const code = optKeyString(o, 'code');
      if (key !== undefined) ev.key = key;
      if (code !== undefined) ev.code = code;
      return ev;
    }
    case 'char': {
      const charCode = o.charCode;
      if (
        typeof charCode !== 'number' ||
        !Number.isInteger(charCode) ||
        charCode < 1 ||
        charCode > 0x10ffff ||
        (charCode >= 0xd800 && charCode <= 0xdfff)
      ) {
        throw new Drop('bad_field');
      }
      return { type: 'char', keyCode: keyCode(o), charCode, modifiers: modifiers(o) };
    }
    case 'text': {
      const t = o.text;
      if (typeof t !== 'string' || t.length === 0 || t.length > INPUT_LIMITS.maxTextChars) throw new Drop('bad_field');
      return { type: 'text', text: t };
    }
    case 'mouseleave':
      return { type: 'mouseleave' };
    default:
      throw new Drop('unknown_type');
  }
}

export function parseInputPacket(payload: Uint8Array, vp: Viewport): ParseResult {
  const dropped: Partial<Record<EventDropReason, number>> = {};
  if (payload.byteLength > INPUT_LIMITS.maxPacketBytes) return { events: [], rejected: 'too_large', dropped };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(payload));
  } catch {
    // Invalid UTF-8 or JSON: the reason is the return value, counted by the caller.
    return { events: [], rejected: 'bad_json', dropped };
  }
  if (!Array.isArray(parsed)) return { events: [], rejected: 'not_array', dropped };
  if (parsed.length > INPUT_LIMITS.maxEvents) return { events: [], rejected: 'too_many_events', dropped };
  const events: ValidInputEvent[] = [];
  for (const raw of parsed) {
    try {
      events.push(validateEvent(raw, vp));
    } catch (e) {
      if (!(e instanceof Drop)) throw e;
      dropped[e.reason] = (dropped[e.reason] ?? 0) + 1;
    }
  }
  return { events, dropped };
}
