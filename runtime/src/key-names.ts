// Key names of the actions API (`key`, `hold_key`): xdotool keysyms as LLM computer-use tools write them
// ("Return", "Page_Down", "ctrl+shift+Tab") and DOM names ("Enter", "PageDown", "ArrowLeft"), case-insensitive.
// Pure: names → key definitions → room `browser-input` events (CEF conventions, docs/room-protocol.md).
import { CefFlag } from '@lkbrowser/protocol';

export interface KeyDef {
  /** Windows VK / DOM keyCode. 0 for characters without a key of their own (typed as text). */
  keyCode: number;
  /** DOM `key` and `code`. */
  key: string;
  code?: string;
  /** What the key types when pressed without ctrl/alt/meta ('\r' for Enter). */
  text?: string;
}

type ModName = 'ctrl' | 'shift' | 'alt' | 'meta';

const MODIFIERS: Record<ModName, { def: KeyDef; flag: number }> = {
  ctrl: { def: { keyCode: 17, key: 'Control', code: 'ControlLeft' }, flag: CefFlag.Control },
  shift: { def: { keyCode: 16, key: 'Shift', code: 'ShiftLeft' }, flag: CefFlag.Shift },
  alt: { def: { keyCode: 18, key: 'Alt', code: 'AltLeft' }, flag: CefFlag.Alt },
  meta: { def: { keyCode: 91, key: 'Meta', code: 'MetaLeft' }, flag: CefFlag.Command },
};

const MOD_ALIASES: Record<string, ModName> = {
  ctrl: 'ctrl',
  control: 'ctrl',
  control_l: 'ctrl',
  control_r: 'ctrl',
  shift: 'shift',
  shift_l: 'shift',
  shift_r: 'shift',
  alt: 'alt',
  alt_l: 'alt',
  alt_r: 'alt',
  option: 'alt',
  meta: 'meta',
  meta_l: 'meta',
  cmd: 'meta',
  command: 'meta',
  super: 'meta',
  super_l: 'meta',
  win: 'meta',
};

function named(keyCode: number, key: string, code: string, text?: string): KeyDef {
  return text === undefined ? { keyCode, key, code } : { keyCode, key, code, text };
}

/** Named (non-letter, non-digit) keys by lower-case alias. */
const NAMED: Record<string, KeyDef> = {};
function add(aliases: string[], def: KeyDef): void {
  for (const a of aliases) NAMED[a.toLowerCase()] = def;
}
add(['Return', 'Enter', 'KP_Enter'], named(13, 'Enter', 'Enter', '\r'));
add(['Tab'], named(9, 'Tab', 'Tab'));
add(['BackSpace', 'Backspace'], named(8, 'Backspace', 'Backspace'));
add(['Escape', 'Esc'], named(27, 'Escape', 'Escape'));
add(['Delete', 'Del'], named(46, 'Delete', 'Delete'));
add(['Insert'], named(45, 'Insert', 'Insert'));
add(['Home'], named(36, 'Home', 'Home'));
add(['End'], named(35, 'End', 'End'));
add(['Page_Up', 'PageUp', 'Prior'], named(33, 'PageUp', 'PageUp'));
add(['Page_Down', 'PageDown', 'Next'], named(34, 'PageDown', 'PageDown'));
add(['Left', 'ArrowLeft'], named(37, 'ArrowLeft', 'ArrowLeft'));
add(['Up', 'ArrowUp'], named(38, 'ArrowUp', 'ArrowUp'));
add(['Right', 'ArrowRight'], named(39, 'ArrowRight', 'ArrowRight'));
add(['Down', 'ArrowDown'], named(40, 'ArrowDown', 'ArrowDown'));
add(['space', 'Space'], named(32, ' ', 'Space', ' '));
for (let i = 1; i <= 12; i++) add([`F${i}`], named(111 + i, `F${i}`, `F${i}`));
const PUNCT: Array<[string[], number, string, string]> = [
  [['minus', '-'], 189, '-', 'Minus'],
  [['equal', '='], 187, '=', 'Equal'],
  [['comma', ','], 188, ',', 'Comma'],
  [['period', '.'], 190, '.', 'Period'],
  [['slash', '/'], 191, '/', 'Slash'],
  [['semicolon', ';'], 186, ';', 'Semicolon'],
  [['apostrophe', "'"], 222, "'", 'Quote'],
  [['bracketleft', '['], 219, '[', 'BracketLeft'],
  [['bracketright', ']'], 221, ']', 'BracketRight'],
  [['backslash', '\\'], 220, '\\', 'Backslash'],
  [['grave', '`'], 192, '`', 'Backquote'],
];
for (const [aliases, kc, key, code] of PUNCT) add(aliases, named(kc, key, code, key));

export const KEY_LIMITS = {
  maxComboChars: 128,
  /** Space-separated combos in one `keys` string ("ctrl+a Delete"). */
  maxCombos: 16,
} as const;

export interface KeyCombo {
  modifiers: ModName[];
  key: KeyDef;
}

export type KeyParse = { ok: true; combos: KeyCombo[] } | { ok: false; error: string };

/** One key name: a modifier alone, a named key, a letter/digit, or any single character (typed as text). */
function keyDef(name: string): KeyDef | undefined {
  const lower = name.toLowerCase();
  const n = NAMED[lower];
  if (n) return n;
  const cps = [...name];
  if (cps.length !== 1) return undefined;
  const ch = cps[0] as string;
  if (/^[a-z]$/i.test(ch)) {
    const upper = ch.toUpperCase();
    return { keyCode: upper.charCodeAt(0), key: ch, code: `Key${upper}`, text: ch };
  }
  if (/^[0-9]$/.test(ch)) return { keyCode: ch.charCodeAt(0), key: ch, code: `Digit${ch}`, text: ch };
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return undefined; // control characters are not keys
  return { keyCode: 0, key: ch, text: ch };
}

function parseCombo(s: string): KeyCombo | string {
  // "ctrl++" is ctrl and the '+' key; otherwise '+' separates the parts.
  const parts = s.endsWith('++') ? [...s.slice(0, -2).split('+'), '+'] : s === '+' ? ['+'] : s.split('+');
  if (parts.some((p) => p === '')) return `malformed key combo "${s}"`;
  const modifiers: ModName[] = [];
  let key: KeyDef | undefined;
  for (const [i, p] of parts.entries()) {
    const mod = MOD_ALIASES[p.toLowerCase()];
    const last = i === parts.length - 1;
    if (mod && !last) {
      if (!modifiers.includes(mod)) modifiers.push(mod);
      continue;
    }
    if (!last) return `"${p}" is not a modifier in "${s}"`;
    key = mod ? MODIFIERS[mod].def : keyDef(p);
    if (!key) return `unknown key "${p}"`;
  }
  if (!key) return `malformed key combo "${s}"`;
  return { modifiers, key };
}

/** Parses "ctrl+a", "shift+Tab", "Return", "ctrl+a Delete" (space-separated combos pressed one after another). */
export function parseKeys(keys: unknown): KeyParse {
  if (typeof keys !== 'string' || (keys.trim() === '' && keys !== ' '))
    return { ok: false, error: 'keys must be a non-empty string' };
  if (keys.length > KEY_LIMITS.maxComboChars)
    return { ok: false, error: `keys longer than ${KEY_LIMITS.maxComboChars} chars` };
  // A lone space is the space key; otherwise spaces separate combos.
  const items = keys === ' ' ? ['space'] : keys.trim().split(/\s+/);
  if (items.length > KEY_LIMITS.maxCombos) return { ok: false, error: `more than ${KEY_LIMITS.maxCombos} key combos` };
  const combos: KeyCombo[] = [];
  for (const it of items) {
    const c = parseCombo(it);
    if (typeof c === 'string') return { ok: false, error: c };
    combos.push(c);
  }
  return { ok: true, combos };
}

/** Parses a modifier list for clicks/scrolls: "shift", "ctrl+shift"; returns CEF flags. */
export function parseModifierFlags(mods: unknown): number | string {
  if (mods === undefined || mods === null || mods === '') return 0;
  if (typeof mods !== 'string' || mods.length > KEY_LIMITS.maxComboChars)
    return 'modifiers must be a string like "ctrl+shift"';
  let flags = 0;
  for (const p of mods.split('+')) {
    const m = MOD_ALIASES[p.trim().toLowerCase()];
    if (!m) return `unknown modifier "${p}"`;
    flags |= MODIFIERS[m].flag;
  }
  return flags;
}

/** Raw `browser-input` events (validated later by the input pipeline, like any packet). */
export type RawKeyEvent =
  | { type: 'keydown' | 'keyup'; keyCode: number; modifiers: number; key: string; code?: string }
  | { type: 'char'; keyCode: number; charCode: number; modifiers: number }
  | { type: 'text'; text: string };

function keyEv(type: 'keydown' | 'keyup', d: KeyDef, modifiers: number): RawKeyEvent {
  return d.code === undefined
    ? { type, keyCode: d.keyCode, modifiers, key: d.key }
    : { type, keyCode: d.keyCode, modifiers, key: d.key, code: d.code };
}

function modFlags(mods: readonly ModName[]): number {
  return mods.reduce((f, m) => f | MODIFIERS[m].flag, 0);
}

/** Presses (down), releases (up) or presses and releases (press) one combo: modifiers down in order, the key,
 *  a `char` with its text when no ctrl/alt/meta is held (so it types), then everything up in reverse. */
export function comboEvents(c: KeyCombo, phase: 'press' | 'down' | 'up'): RawKeyEvent[] {
  const down: RawKeyEvent[] = [];
  const up: RawKeyEvent[] = [];
  let flags = 0;
  for (const m of c.modifiers) {
    flags |= MODIFIERS[m].flag;
    down.push(keyEv('keydown', MODIFIERS[m].def, flags));
  }
  const all = modFlags(c.modifiers);
  const typing = c.key.text !== undefined && (all & (CefFlag.Control | CefFlag.Alt | CefFlag.Command)) === 0;
  if (c.key.keyCode === 0) {
    // A character with no key of its own (é, @, 世): only its text can be typed.
    if (c.key.text !== undefined) down.push({ type: 'text', text: c.key.text });
  } else {
    // A modifier pressed on its own carries its own flag while down (as a keyboard reports it).
    const self = Object.values(MODIFIERS).find((m) => m.def === c.key)?.flag ?? 0;
    down.push(keyEv('keydown', c.key, all | self));
    if (typing)
      down.push({
        type: 'char',
        keyCode: c.key.keyCode,
        charCode: (c.key.text as string).codePointAt(0) ?? 0,
        modifiers: all,
      });
    up.push(keyEv('keyup', c.key, all));
  }
  for (const m of [...c.modifiers].reverse()) {
    flags &= ~MODIFIERS[m].flag;
    up.push(keyEv('keyup', MODIFIERS[m].def, flags));
  }
  if (phase === 'down') return down;
  if (phase === 'up') return up;
  return [...down, ...up];
}
