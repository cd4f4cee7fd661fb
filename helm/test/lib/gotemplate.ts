// A small, strict subset of Go text/template + the Sprig/Helm functions our chart uses, for offline chart tests
// (no `helm` binary here; CI runs the real `helm lint`/`helm template`, see the helm job in .github/workflows/ci.yml).
// Strictness is the point: any syntax, keyword or function outside the subset throws, so a template can't
// silently render differently here than in Helm. Semantics mirrored from Go/Helm:
//  - `{{-` / `-}}` trim all adjacent whitespace; comments `{{/* */}}`; `define` only at top level.
//  - field access on a missing map key yields nil (Helm prints it as ""); field access *through* nil is an error
//    ("nil pointer evaluating interface {}.x"), as in Helm.
//  - truthiness: false, 0, nil, "", empty list/map are false.
//  - printing a list or map is an error here (Go would print `map[...]`, never what a manifest wants).
//  - toYaml sorts keys and drops the trailing newline (Helm's toYaml); toJson sorts keys (encoding/json).
import { parse as yamlParse, stringify as yamlStringify } from 'yaml';

type Value = unknown;
type Dict = Record<string, Value>;

// ---------- lexer ----------
type Piece = { kind: 'text'; text: string } | { kind: 'action'; src: string; line: number };

function lex(src: string, name: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open === -1) {
      out.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    const line = src.slice(0, open).split('\n').length;
    if (/^-\s/.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 2;
    } else if (src[start] === '-' && !/[0-9]/.test(src[start + 1] ?? '')) {
      throw new Error(`${name}:${line}: "{{-" must be followed by a space`);
    }
    out.push({ kind: 'text', text });
    let close: number;
    let src2: string;
    // Comments start right at the delimiter ("{{/*" or "{{- /*") and end at "*/}}" or "*/ -}}"; they may hold "}}".
    if (src.startsWith('/*', start)) {
      const end = src.indexOf('*/', start + 2);
      if (end === -1) throw new Error(`${name}:${line}: unclosed comment`);
      const after = src.slice(end + 2);
      const m = /^(\s-)?}}/.exec(after);
      if (!m) throw new Error(`${name}:${line}: comment must end with */}} or */ -}}`);
      close = end + 2 + (m[1] ? 2 : 0);
      trimNext = Boolean(m[1]);
      i = close + 2;
      continue;
    }
    close = src.indexOf('}}', start);
    if (close === -1) throw new Error(`${name}:${line}: unclosed action`);
    src2 = src.slice(start, close);
    if (/\s-$/.test(src2)) {
      trimNext = true;
      src2 = src2.slice(0, -2);
    } else if (src2.endsWith('-')) throw new Error(`${name}:${line}: "-}}" must be preceded by a space`);
    out.push({ kind: 'action', src: src2.trim(), line });
    i = close + 2;
  }
  return out;
}

// ---------- expression tokens ----------
type Tok =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'field'; path: string[] } // .a.b  (path [] = dot)
  | { t: 'var'; name: string; path: string[] } // $x.a.b  ($ = root)
  | { t: 'ident'; v: string }
  | { t: 'lp' }
  | { t: 'rp' }
  | { t: 'pipe' }
  | { t: 'decl' } // :=
  | { t: 'assign' } // =
  | { t: 'comma' };

function tokenize(s: string, where: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\') {
          const e = s[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
          if (e === undefined || map[e] === undefined) throw new Error(`${where}: unsupported escape \\${e}`);
          v += map[e];
          j += 2;
        } else v += s[j++];
      }
      if (j >= s.length) throw new Error(`${where}: unterminated string`);
      out.push({ t: 'str', v });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      if (j === -1) throw new Error(`${where}: unterminated raw string`);
      out.push({ t: 'str', v: s.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(s[i + 1] ?? ''))) {
      const m = /-?[0-9]+(\.[0-9]+)?/y;
      m.lastIndex = i;
      const r = m.exec(s);
      if (!r) throw new Error(`${where}: bad number`);
      out.push({ t: 'num', v: Number(r[0]) });
      i += r[0].length;
      continue;
    }
    if (c === '.' || c === '$') {
      let name = '';
      let j = i;
      if (c === '$') {
        j++;
        ident.lastIndex = j;
        const r = ident.exec(s);
        if (r) {
          name = r[0];
          j += r[0].length;
        }
      }
      const path: string[] = [];
      while (s[j] === '.') {
        ident.lastIndex = j + 1;
        const r = ident.exec(s);
        if (!r) {
          if (c === '.' && path.length === 0 && j === i) {
            j++;
            break; // bare dot
          }
          throw new Error(`${where}: bad field reference`);
        }
        path.push(r[0]);
        j += 1 + r[0].length;
      }
      out.push(c === '$' ? { t: 'var', name, path } : { t: 'field', path });
      i = j;
      continue;
    }
    if (c === '(') {
      out.push({ t: 'lp' });
      i++;
      continue;
    }
    if (c === ')') {
      if (s[i + 1] === '.') throw new Error(`${where}: field access on a parenthesized pipeline is not supported`);
      out.push({ t: 'rp' });
      i++;
      continue;
    }
    if (c === '|') {
      out.push({ t: 'pipe' });
      i++;
      continue;
    }
    if (s.startsWith(':=', i)) {
      out.push({ t: 'decl' });
      i += 2;
      continue;
    }
    if (c === '=') {
      out.push({ t: 'assign' });
      i++;
      continue;
    }
    if (c === ',') {
      out.push({ t: 'comma' });
      i++;
      continue;
    }
    ident.lastIndex = i;
    const r = ident.exec(s);
    if (r) {
      const v = r[0];
      if (v === 'true' || v === 'false') out.push({ t: 'bool', v: v === 'true' });
      else if (v === 'nil') out.push({ t: 'nil' });
      else out.push({ t: 'ident', v });
      i += v.length;
      continue;
    }
    throw new Error(`${where}: unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}

// ---------- expression AST ----------
type Operand =
  | { k: 'lit'; v: Value }
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'ident'; name: string }
  | { k: 'sub'; pipe: Pipeline };
type Command = Operand[];
interface Pipeline {
  decl?: { names: string[]; assign: boolean };
  cmds: Command[];
}

function parsePipeline(toks: Tok[], where: string): Pipeline {
  let pos = 0;
  const pipe: Pipeline = { cmds: [] };
  // declarations: $x := ... | $k, $v := ...
  const declEnd = toks.findIndex((t) => t.t === 'decl' || t.t === 'assign');
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => t.t === 'var' || t.t === 'comma')) {
    const names = toks
      .slice(0, declEnd)
      .filter((t): t is Extract<Tok, { t: 'var' }> => t.t === 'var')
      .map((t) => {
        if (t.path.length > 0 || t.name === '') throw new Error(`${where}: bad variable declaration`);
        return t.name;
      });
    if (toks[declEnd]?.t === 'assign') throw new Error(`${where}: variable assignment with = is not supported`);
    pipe.decl = { names, assign: false };
    pos = declEnd + 1;
  }
  function operand(): Operand {
    const t = toks[pos++];
    if (!t) throw new Error(`${where}: missing operand`);
    switch (t.t) {
      case 'str':
      case 'num':
      case 'bool':
        return { k: 'lit', v: t.v };
      case 'nil':
        return { k: 'lit', v: null };
      case 'field':
        return { k: 'field', path: t.path };
      case 'var':
        return { k: 'var', name: t.name, path: t.path };
      case 'ident':
        return { k: 'ident', name: t.v };
      case 'lp': {
        let depth = 1;
        const startPos = pos;
        while (pos < toks.length && depth > 0) {
          const x = toks[pos++] as Tok;
          if (x.t === 'lp') depth++;
          else if (x.t === 'rp') depth--;
        }
        if (depth !== 0) throw new Error(`${where}: unbalanced parentheses`);
        return { k: 'sub', pipe: parsePipeline(toks.slice(startPos, pos - 1), where) };
      }
      default:
        throw new Error(`${where}: unexpected token ${t.t}`);
    }
  }
  let cmd: Command = [];
  while (pos < toks.length) {
    const t = toks[pos] as Tok;
    if (t.t === 'pipe') {
      if (cmd.length === 0) throw new Error(`${where}: empty command in pipeline`);
      pipe.cmds.push(cmd);
      cmd = [];
      pos++;
      continue;
    }
    if (t.t === 'rp' || t.t === 'decl' || t.t === 'assign' || t.t === 'comma') throw new Error(`${where}: unexpected ${t.t}`);
    cmd.push(operand());
  }
  if (cmd.length === 0) throw new Error(`${where}: empty pipeline`);
  pipe.cmds.push(cmd);
  return pipe;
}

// ---------- template AST ----------
type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline; where: string }
  | { n: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] | null; where: string }
  | { n: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null; where: string }
  | { n: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null; where: string };

const UNSUPPORTED_KEYWORDS = new Set(['template', 'block', 'break', 'continue']);

function parseTemplate(src: string, name: string, defines: Map<string, Node[]>): Node[] {
  const pieces = lex(src, name);
  let p = 0;
  // Parse a list until one of the terminators (else / end); returns the list and the terminator action text.
  function list(top: boolean): { nodes: Node[]; term: string | null } {
    const nodes: Node[] = [];
    while (p < pieces.length) {
      const piece = pieces[p++] as Piece;
      if (piece.kind === 'text') {
        if (piece.text) nodes.push({ n: 'text', text: piece.text });
        continue;
      }
      const where = `${name}:${piece.line}`;
      const [kw] = piece.src.split(/\s+/);
      const rest = piece.src.slice((kw ?? '').length).trim();
      if (kw === 'end' || kw === 'else') {
        if (top) throw new Error(`${where}: unexpected {{${piece.src}}}`);
        return { nodes, term: piece.src };
      }
      if (kw !== undefined && UNSUPPORTED_KEYWORDS.has(kw)) throw new Error(`${where}: unsupported keyword "${kw}"`);
      if (kw === 'define') {
        if (!top) throw new Error(`${where}: define is only allowed at top level (as in Go templates)`);
        const m = /^"([^"]+)"$/.exec(rest);
        if (!m) throw new Error(`${where}: bad define`);
        const body = list(false);
        if (body.term !== 'end') throw new Error(`${where}: define must end with {{end}}`);
        if (defines.has(m[1] as string)) throw new Error(`${where}: template ${m[1]} defined twice`);
        defines.set(m[1] as string, body.nodes);
        continue;
      }
      if (kw === 'if') {
        const branches: { cond: Pipeline; body: Node[] }[] = [];
        let cond = parsePipeline(tokenize(rest, where), where);
        let otherwise: Node[] | null = null;
        for (;;) {
          const body = list(false);
          branches.push({ cond, body: body.nodes });
          if (body.term === 'end') break;
          if (body.term === 'else') {
            const e = list(false);
            if (e.term !== 'end') throw new Error(`${where}: else must be followed by end`);
            otherwise = e.nodes;
            break;
          }
          if (body.term?.startsWith('else if ')) {
            const c = body.term.slice('else if '.length);
            cond = parsePipeline(tokenize(c, where), where);
            continue;
          }
          throw new Error(`${where}: unterminated if (${body.term ?? 'EOF'})`);
        }
        nodes.push({ n: 'if', branches, otherwise, where });
        continue;
      }
      if (kw === 'range' || kw === 'with') {
        const pipe = parsePipeline(tokenize(rest, where), where);
        if (kw === 'with' && pipe.decl) throw new Error(`${where}: with with variables is not supported`);
        const body = list(false);
        let otherwise: Node[] | null = null;
        if (body.term === 'else') {
          const e = list(false);
          if (e.term !== 'end') throw new Error(`${where}: else must be followed by end`);
          otherwise = e.nodes;
        } else if (body.term !== 'end') throw new Error(`${where}: unterminated ${kw} (${body.term ?? 'EOF'})`);
        nodes.push({ n: kw, pipe, body: body.nodes, otherwise, where });
        continue;
      }
      nodes.push({ n: 'action', pipe: parsePipeline(tokenize(piece.src, where), where), where });
    }
    if (!top) throw new Error(`${name}: unexpected end of template (missing {{end}})`);
    return { nodes, term: null };
  }
  return list(true).nodes;
}

// ---------- evaluation ----------
function isDict(v: Value): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'function';
}

export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

function printValue(v: Value, where: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${where}: printing a ${Array.isArray(v) ? 'list' : 'map'} (use toYaml/toJson)`);
}

function sortKeys(v: Value): Value {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isDict(v)) {
    const out: Dict = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

export function toYaml(v: Value): string {
  if (v === null || v === undefined) return 'null';
  return yamlStringify(sortKeys(v), { lineWidth: 0 }).replace(/\n$/, '');
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function asString(v: Value, fn: string, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '';
  throw new Error(`${where}: ${fn} expects a string`);
}

function goPrintf(format: string, args: Value[], where: string): string {
  let i = 0;
  const out = format.replace(/%(.?)/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (!['s', 'd', 'v', 'q'].includes(verb)) throw new Error(`${where}: unsupported printf verb %${verb}`);
    if (i >= args.length) throw new Error(`${where}: printf missing argument`);
    const a = args[i++];
    if (verb === 'q') return goQuote(asString(a, 'printf', where));
    if (verb === 'd' && typeof a !== 'number') throw new Error(`${where}: printf %d of non-number`);
    return printValue(a, where);
  });
  if (i !== args.length) throw new Error(`${where}: printf has ${args.length - i} extra argument(s)`);
  return out;
}

export interface RenderContext {
  Values: Dict;
  Release: { Name: string; Namespace: string; Service: string; IsInstall: boolean; IsUpgrade: boolean };
  Chart: { Name: string; Version: string; AppVersion: string };
  files: Record<string, string>;
}

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly templates = new Map<string, Node[]>();
  private readonly files: Record<string, string>;
  /** Functions the chart used while rendering (for reporting and for a coverage test). */
  readonly usedFunctions = new Set<string>();
  // helm lint --strict / --strict rendering: a missing map key is an error (Go's missingkey=error).
  private strict = false;
  private structs = new WeakSet<object>();

  /** templates: file name → source (every *.yaml, *.tpl and NOTES.txt under templates/). */
  constructor(templates: Record<string, string>, files: Record<string, string>) {
    this.files = files;
    // Helm parses all files first so defines are visible everywhere.
    for (const [name, src] of Object.entries(templates)) this.templates.set(name, parseTemplate(src, name, this.defines));
  }

  /** Render every non-partial template (files starting with "_" only hold defines). */
  renderAll(ctx: Omit<RenderContext, 'files'>, opts: { strict?: boolean } = {}): Record<string, string> {
    this.strict = opts.strict === true;
    const out: Record<string, string> = {};
    for (const [name, nodes] of this.templates) {
      if (name.split('/').pop()?.startsWith('_')) continue;
      const files = { Get: (p: Value) => this.fileGet(p) };
      // .Release, .Chart and .Files are Go structs in Helm: an unknown field is always an error.
      const release = { ...ctx.Release };
      const chart = { ...ctx.Chart };
      this.structs = new WeakSet<object>([release, chart, files]);
      const root: Dict = { Values: ctx.Values, Release: release, Chart: chart, Files: files };
      this.structs.add(root);
      out[name] = this.exec(nodes, root, root, new Map());
    }
    return out;
  }

  private fileGet(p: Value): string {
    if (typeof p !== 'string') throw new Error('.Files.Get expects a path');
    const f = this.files[p];
    return f ?? ''; // Helm returns "" for a missing file
  }

  private exec(nodes: Node[], dot: Value, root: Dict, vars: Map<string, Value>): string {
    let out = '';
    const scope = new Map(vars);
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot, root, scope, node.where);
          if (!node.pipe.decl) out += printValue(v, node.where);
          break;
        }
        case 'if': {
          let done = false;
          for (const b of node.branches) {
            if (truthy(this.pipeline(b.cond, dot, root, scope, node.where))) {
              out += this.exec(b.body, dot, root, scope);
              done = true;
              break;
            }
          }
          if (!done && node.otherwise) out += this.exec(node.otherwise, dot, root, scope);
          break;
        }
        case 'with': {
          const v = this.pipeline(node.pipe, dot, root, scope, node.where);
          if (truthy(v)) out += this.exec(node.body, v, root, scope);
          else if (node.otherwise) out += this.exec(node.otherwise, dot, root, scope);
          break;
        }
        case 'range': {
          const decl = node.pipe.decl;
          const v = this.pipeline({ cmds: node.pipe.cmds }, dot, root, scope, node.where);
          let entries: [Value, Value][] = [];
          if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
          else if (isDict(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
          else if (v !== null && v !== undefined) throw new Error(`${node.where}: range over ${typeof v}`);
          if (entries.length === 0) {
            if (node.otherwise) out += this.exec(node.otherwise, dot, root, scope);
            break;
          }
          for (const [k, x] of entries) {
            const inner = new Map(scope);
            if (decl) {
              if (decl.names.length === 1) inner.set(decl.names[0] as string, x);
              else {
                inner.set(decl.names[0] as string, k);
                inner.set(decl.names[1] as string, x);
              }
            }
            out += this.exec(node.body, x, root, inner);
          }
          break;
        }
      }
    }
    return out;
  }

  private pipeline(pipe: Pipeline, dot: Value, root: Dict, vars: Map<string, Value>, where: string): Value {
    let piped: Value;
    let hasPiped = false;
    for (const cmd of pipe.cmds) {
      piped = this.command(cmd, dot, root, vars, where, hasPiped ? [piped] : []);
      hasPiped = true;
    }
    if (pipe.decl) {
      if (pipe.decl.names.length !== 1) throw new Error(`${where}: multi-variable declaration outside range`);
      const name = pipe.decl.names[0] as string;
      if (pipe.decl.assign && !vars.has(name)) throw new Error(`${where}: assignment to undeclared $${name}`);
      vars.set(name, piped);
    }
    return piped;
  }

  private operand(o: Operand, dot: Value, root: Dict, vars: Map<string, Value>, where: string): Value {
    switch (o.k) {
      case 'lit':
        return o.v;
      case 'field':
        return this.walk(dot, o.path, where, '.');
      case 'var': {
        if (o.name === '') return this.walk(root, o.path, where, '$');
        if (!vars.has(o.name)) throw new Error(`${where}: undefined variable $${o.name}`);
        return this.walk(vars.get(o.name), o.path, where, `$${o.name}`);
      }
      case 'sub':
        return this.pipeline(o.pipe, dot, root, vars, where);
      case 'ident':
        return this.call(o.name, [], where, root, dot);
    }
  }

  private walk(start: Value, path: string[], where: string, label: string): Value {
    let v = start;
    let seen = label;
    for (const p of path) {
      if (v === null || v === undefined) throw new Error(`${where}: nil pointer evaluating interface {}.${p} (${seen})`);
      if (!isDict(v)) throw new Error(`${where}: can't evaluate field ${p} in ${typeof v} (${seen})`);
      if (!(p in v)) {
        if (this.structs.has(v)) throw new Error(`${where}: can't evaluate field ${p} (${seen})`);
        if (this.strict) throw new Error(`${where}: map has no entry for key "${p}" (${seen})`);
      }
      v = v[p];
      seen += `.${p}`;
    }
    return v;
  }

  private command(cmd: Command, dot: Value, root: Dict, vars: Map<string, Value>, where: string, piped: Value[]): Value {
    const [head, ...rest] = cmd as [Operand, ...Operand[]];
    const args = (): Value[] => [...rest.map((o) => this.operand(o, dot, root, vars, where)), ...piped];
    if (head.k === 'ident') return this.call(head.name, args(), where, root, dot);
    const v = this.operand(head, dot, root, vars, where);
    if (typeof v === 'function') return (v as (...a: Value[]) => Value)(...args());
    if (rest.length > 0 || piped.length > 0) throw new Error(`${where}: can't give arguments to a non-function`);
    return v;
  }

  private include(name: Value, data: Value, root: Dict, where: string): string {
    if (typeof name !== 'string') throw new Error(`${where}: include needs a template name`);
    const body = this.defines.get(name);
    if (!body) throw new Error(`${where}: no template "${name}"`);
    return this.exec(body, data, root, new Map());
  }

  private call(fn: string, a: Value[], where: string, root: Dict, _dot: Value): Value {
    this.usedFunctions.add(fn);
    const need = (n: number): void => {
      if (a.length !== n) throw new Error(`${where}: ${fn} takes ${n} arguments, got ${a.length}`);
    };
    const num = (v: Value): number => {
      if (typeof v !== 'number') throw new Error(`${where}: ${fn} expects a number`);
      return v;
    };
    switch (fn) {
      case 'include':
        need(2);
        return this.include(a[0], a[1], root, where);
      case 'toYaml':
        need(1);
        return toYaml(a[0]);
      case 'toJson':
        need(1);
        return JSON.stringify(sortKeys(a[0] ?? null));
      case 'fromYaml': {
        need(1);
        const v = yamlParse(asString(a[0], fn, where)) as Value;
        return isDict(v) ? v : {};
      }
      case 'fromYamlArray': {
        need(1);
        const v = yamlParse(asString(a[0], fn, where)) as Value;
        if (!Array.isArray(v)) throw new Error(`${where}: fromYamlArray of a non-list`);
        return v;
      }
      case 'nindent':
      case 'indent': {
        need(2);
        const pad = ' '.repeat(num(a[0]));
        const s = asString(a[1], fn, where)
          .split('\n')
          .map((l) => pad + l)
          .join('\n');
        return fn === 'nindent' ? `\n${s}` : s;
      }
      case 'quote':
        return a
          .filter((v) => v !== null && v !== undefined)
          .map((v) => goQuote(asString(v, fn, where)))
          .join(' ');
      case 'default':
        need(2);
        return truthy(a[1]) ? a[1] : a[0];
      case 'required':
        need(2);
        if (a[1] === null || a[1] === undefined || a[1] === '') throw new Error(`execution error at (${where}): ${String(a[0])}`);
        return a[1];
      case 'fail':
        need(1);
        throw new Error(`execution error at (${where}): ${String(a[0])}`);
      case 'not':
        need(1);
        return !truthy(a[0]);
      case 'and':
        if (a.length < 2) throw new Error(`${where}: and needs 2+ arguments`);
        return a.find((v) => !truthy(v)) ?? a[a.length - 1];
      case 'or':
        if (a.length < 2) throw new Error(`${where}: or needs 2+ arguments`);
        return a.find((v) => truthy(v)) ?? a[a.length - 1];
      case 'eq':
        if (a.length < 2) throw new Error(`${where}: eq needs 2+ arguments`);
        return a.slice(1).some((v) => v === a[0]);
      case 'ne':
        need(2);
        return a[0] !== a[1];
      case 'gt':
        need(2);
        return num(a[0]) > num(a[1]);
      case 'int': {
        need(1);
        const v = a[0];
        if (typeof v === 'number') return Math.trunc(v);
        if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
        if (v === null || v === undefined) return 0;
        throw new Error(`${where}: int of ${typeof v}`);
      }
      case 'printf':
        if (a.length < 1) throw new Error(`${where}: printf needs a format`);
        return goPrintf(asString(a[0], fn, where), a.slice(1), where);
      case 'trunc': {
        need(2);
        const s = asString(a[1], fn, where);
        const n = num(a[0]);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case 'trimSuffix': {
        need(2);
        const suffix = asString(a[0], fn, where);
        const s = asString(a[1], fn, where);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'contains':
        need(2);
        return asString(a[1], fn, where).includes(asString(a[0], fn, where));
      case 'join': {
        need(2);
        const l = a[1] ?? [];
        if (!Array.isArray(l)) throw new Error(`${where}: join expects a list`);
        return l.map((x) => asString(x, fn, where)).join(asString(a[0], fn, where));
      }
      case 'list':
        return [...a];
      case 'dict': {
        if (a.length % 2 !== 0) throw new Error(`${where}: dict needs key/value pairs`);
        const d: Dict = {};
        for (let i = 0; i < a.length; i += 2) d[asString(a[i], fn, where)] = a[i + 1];
        return d;
      }
      case 'set': {
        need(3);
        const d = a[0];
        if (!isDict(d)) throw new Error(`${where}: set on a non-map`);
        d[asString(a[1], fn, where)] = a[2];
        return d;
      }
      case 'b64enc':
        need(1);
        return Buffer.from(asString(a[0], fn, where), 'utf8').toString('base64');
      default:
        throw new Error(`${where}: unsupported function "${fn}"`);
    }
  }
}
