// Windows virtual-key code → DOM key/code/text for a US keyboard layout, plus the editing
// commands CDP needs for shortcuts. Used to fill in what a KeyEventInit leaves out.

export interface KeyDefinition {
  /** DOM `key` without Shift. */
  key: string;
  /** DOM `key` with Shift (printable keys only). */
  shiftKey?: string;
  /** DOM `code`. */
  code: string;
  /** Text produced without Shift ('' for non-printing keys; '\r' for Enter). */
  text: string;
  /** Text produced with Shift. */
  shiftText?: string;
  /** KeyboardEvent.location: 1 left, 2 right, 3 numpad. */
  location?: number;
}

const table = new Map<number, KeyDefinition>();

function def(vk: number, d: KeyDefinition): void {
  table.set(vk, d);
}

// Letters A–Z (65–90).
for (let vk = 65; vk <= 90; vk++) {
  const lower = String.fromCharCode(vk + 32);
  const upper = String.fromCharCode(vk);
  def(vk, { key: lower, shiftKey: upper, code: `Key${upper}`, text: lower, shiftText: upper });
}
// Digits 0–9 (48–57) and their shifted symbols.
const shiftedDigits = ')!@#$%^&*(';
for (let d = 0; d <= 9; d++) {
  const s = shiftedDigits[d] as string;
  def(48 + d, { key: String(d), shiftKey: s, code: `Digit${d}`, text: String(d), shiftText: s });
}
// Punctuation (OEM keys) on a US layout.
const punct: [number, string, string, string][] = [
  [186, ';', ':', 'Semicolon'],
  [187, '=', '+', 'Equal'],
  [188, ',', '<', 'Comma'],
  [189, '-', '_', 'Minus'],
  [190, '.', '>', 'Period'],
  [191, '/', '?', 'Slash'],
  [192, '`', '~', 'Backquote'],
  [219, '[', '{', 'BracketLeft'],
  [220, '\\', '|', 'Backslash'],
  [221, ']', '}', 'BracketRight'],
  [222, "'", '"', 'Quote'],
];
for (const [vk, k, s, code] of punct) def(vk, { key: k, shiftKey: s, code, text: k, shiftText: s });

def(32, { key: ' ', code: 'Space', text: ' ', shiftText: ' ' });
def(13, { key: 'Enter', code: 'Enter', text: '\r', shiftText: '\r' });
def(9, { key: 'Tab', code: 'Tab', text: '' });
def(8, { key: 'Backspace', code: 'Backspace', text: '' });
def(27, { key: 'Escape', code: 'Escape', text: '' });
def(46, { key: 'Delete', code: 'Delete', text: '' });
def(45, { key: 'Insert', code: 'Insert', text: '' });
def(36, { key: 'Home', code: 'Home', text: '' });
def(35, { key: 'End', code: 'End', text: '' });
def(33, { key: 'PageUp', code: 'PageUp', text: '' });
def(34, { key: 'PageDown', code: 'PageDown', text: '' });
def(37, { key: 'ArrowLeft', code: 'ArrowLeft', text: '' });
def(38, { key: 'ArrowUp', code: 'ArrowUp', text: '' });
def(39, { key: 'ArrowRight', code: 'ArrowRight', text: '' });
def(40, { key: 'ArrowDown', code: 'ArrowDown', text: '' });
def(16, { key: 'Shift', code: 'ShiftLeft', text: '', location: 1 });
def(17, { key: 'Control', code: 'ControlLeft', text: '', location: 1 });
def(18, { key: 'Alt', code: 'AltLeft', text: '', location: 1 });
def(91, { key: 'Meta', code: 'MetaLeft', text: '', location: 1 });
def(92, { key: 'Meta', code: 'MetaRight', text: '', location: 2 });
def(93, { key: 'ContextMenu', code: 'ContextMenu', text: '' });
def(20, { key: 'CapsLock', code: 'CapsLock', text: '' });
def(144, { key: 'NumLock', code: 'NumLock', text: '', location: 3 });
def(145, { key: 'ScrollLock', code: 'ScrollLock', text: '' });
def(19, { key: 'Pause', code: 'Pause', text: '' });
for (let i = 1; i <= 12; i++) def(0x6f + i, { key: `F${i}`, code: `F${i}`, text: '' });
// Numpad (NumLock on).
for (let d = 0; d <= 9; d++) def(96 + d, { key: String(d), code: `Numpad${d}`, text: String(d), location: 3 });
def(106, { key: '*', code: 'NumpadMultiply', text: '*', location: 3 });
def(107, { key: '+', code: 'NumpadAdd', text: '+', location: 3 });
def(109, { key: '-', code: 'NumpadSubtract', text: '-', location: 3 });
def(110, { key: '.', code: 'NumpadDecimal', text: '.', location: 3 });
def(111, { key: '/', code: 'NumpadDivide', text: '/', location: 3 });

/** The US-layout definition of a Windows virtual-key code, or undefined if unknown. */
export function keyDefinition(vk: number): KeyDefinition | undefined {
  return table.get(vk);
}

/** Every virtual-key code in the table (for tests and validation). */
export function knownKeyCodes(): number[] {
  return [...table.keys()].sort((a, b) => a - b);
}

export interface ResolvedKey {
  key: string;
  code: string;
  /** Text the key types with these modifiers ('' if none: non-printing key, or Ctrl/Alt/Meta held). */
  text: string;
  /** Text without Shift (CDP unmodifiedText). */
  unmodifiedText: string;
  location: number | undefined;
}

const MOD_ALT = 1;
const MOD_CTRL = 2;
const MOD_META = 4;
const MOD_SHIFT = 8;

/**
 * Resolve key/code/text for a virtual-key code and CDP modifier bits. With Ctrl, Alt or Meta held
 * a key types no text (as on a real keyboard; the shortcut runs instead), Shift selects the shifted
 * character. Unknown codes give key 'Unidentified' and no text.
 */
export function resolveKey(vk: number, modifiers = 0): ResolvedKey {
  const d = table.get(vk);
  if (!d) return { key: 'Unidentified', code: '', text: '', unmodifiedText: '', location: undefined };
  const shift = (modifiers & MOD_SHIFT) !== 0;
  const chord = (modifiers & (MOD_CTRL | MOD_ALT | MOD_META)) !== 0;
  const key = shift && d.shiftKey !== undefined ? d.shiftKey : d.key;
  const shiftedText = shift && d.shiftText !== undefined ? d.shiftText : d.text;
  return { key, code: d.code, text: chord ? '' : shiftedText, unmodifiedText: d.text, location: d.location };
}

/**
 * Editing commands (Blink editor command names) CDP needs for a shortcut, so that it works the same
 * on every platform: Ctrl+A selectAll, Ctrl+C copy, Ctrl+X cut, Ctrl+V paste, Ctrl+Z undo,
 * Ctrl+Shift+Z / Ctrl+Y redo. Meta (⌘) counts as Ctrl. Returns [] when the key is no shortcut.
 */
export function editingCommands(vk: number, modifiers = 0): string[] {
  const ctrl = (modifiers & (MOD_CTRL | MOD_META)) !== 0;
  if (!ctrl || (modifiers & MOD_ALT) !== 0) return [];
  const shift = (modifiers & MOD_SHIFT) !== 0;
  switch (vk) {
    case 65:
      return shift ? [] : ['selectAll'];
    case 67:
      return shift ? [] : ['copy'];
    case 88:
      return shift ? [] : ['cut'];
    case 86:
      return shift ? [] : ['paste'];
    case 90:
      return shift ? ['redo'] : ['undo'];
    case 89:
      return shift ? [] : ['redo'];
    default:
      return [];
  }
}
