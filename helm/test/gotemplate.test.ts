// The subset Go-template renderer used by chart.test.ts: Go/Helm semantics it claims, and refusal of everything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChartRenderer, toYaml, truthy } from './lib/gotemplate.ts';

const ctx = {
  Release: { Name: 'rel', Namespace: 'ns', Service: 'Helm', IsInstall: true, IsUpgrade: false },
  Chart: { Name: 'c', Version: '1.0.0', AppVersion: '2.0.0' },
};
function r(
  src: string,
  values: Record<string, unknown> = {},
  helpers = '',
  files: Record<string, string> = {},
  strict = false,
): string {
  const templates: Record<string, string> = { 't.yaml': src };
  if (helpers) templates['_h.tpl'] = helpers;
  return new ChartRenderer(templates, files).renderAll({ ...ctx, Values: values }, { strict })['t.yaml'] as string;
}

describe('gotemplate subset: semantics', () => {
  it('substitutes values and release fields', () => {
    assert.equal(r('a: {{ .Values.x.y }} ns={{ .Release.Namespace }} v={{ .Chart.AppVersion }}', { x: { y: 5 } }), 'a: 5 ns=ns v=2.0.0');
  });
  it('trims whitespace with {{- and -}} like Go', () => {
    assert.equal(r('a:\n  {{- " b" }}\n{{ "c" -}}\n   d'), 'a: b\ncd');
  });
  it('prints a missing leaf as empty but fails on a field of nil, as Helm does', () => {
    assert.equal(r('[{{ .Values.missing }}]'), '[]');
    assert.throws(() => r('{{ .Values.missing.leaf }}'), /nil pointer evaluating interface \{\}\.leaf/);
  });
  it('strict mode (helm lint --strict) rejects missing value keys; Release/Chart fields are always checked', () => {
    assert.throws(() => r('{{ .Values.missing }}', {}, '', {}, true), /map has no entry for key "missing"/);
    assert.equal(r('{{ .Values.present }}', { present: '' }, '', {}, true), '');
    assert.throws(() => r('{{ .Release.Nmae }}'), /can't evaluate field Nmae/);
    assert.throws(() => r('{{ .Chart.version }}'), /can't evaluate field version/);
  });
  it('if / else if / else with Go truthiness', () => {
    const t = '{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}';
    assert.equal(r(t, { a: [1] }), 'A');
    assert.equal(r(t, { a: [], b: { k: 1 } }), 'B');
    assert.equal(r(t, { a: 0, b: '' }), 'C');
    for (const v of [false, 0, '', null, undefined, [], {}]) assert.equal(truthy(v), false);
    for (const v of [true, 1, 'x', [0], { a: null }]) assert.equal(truthy(v), true);
  });
  it('range over lists and sorted maps, with $ and variables; range else', () => {
    assert.equal(r('{{ range .Values.l }}{{ . }}-{{ $.Release.Name }};{{ end }}', { l: ['a', 'b'] }), 'a-rel;b-rel;');
    assert.equal(r('{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }},{{ end }}', { m: { b: 2, a: 1 } }), 'a=1,b=2,');
    assert.equal(r('{{ range .Values.l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty');
    assert.equal(r('{{ range .Values.none }}x{{ end }}ok', {}), 'ok');
  });
  it('with rebinds dot and skips empty values', () => {
    assert.equal(r('{{ with .Values.a }}{{ .b }}{{ end }}|{{ with .Values.z }}no{{ else }}else{{ end }}', { a: { b: 'B' } }), 'B|else');
  });
  it('variables are block scoped', () => {
    assert.equal(r('{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }} {{ $x }}'), 'inner outer');
    assert.throws(() => r('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}'), /undefined variable \$y/);
  });
  it('include + nindent + toYaml produce Helm-shaped YAML (sorted keys, no trailing newline)', () => {
    const helpers = '{{- define "lbl" -}}\nb: 2\na: {{ .Values.a }}\n{{- end -}}';
    assert.equal(r('m:\n  {{- include "lbl" . | nindent 2 }}', { a: 1 }, helpers), 'm:\n  b: 2\n  a: 1');
    assert.equal(toYaml({ z: 1, a: { d: [1, 'x'], c: true } }), 'a:\n  c: true\n  d:\n    - 1\n    - x\nz: 1');
    assert.equal(toYaml(null), 'null');
  });
  it('sprig functions used by the chart', () => {
    assert.equal(r('{{ default "d" .Values.x }}|{{ default "d" "v" }}'), 'd|v');
    assert.equal(r('{{ .Values.s | quote }} {{ 8080 | quote }}', { s: 'a"b' }), '"a\\"b" "8080"');
    assert.equal(r('{{ printf "%s-%s" "a" "b" | trunc 3 | trimSuffix "-" }}'), 'a-b');
    assert.equal(r('{{ "abcdef-" | trunc 7 | trimSuffix "-" }}'), 'abcdef');
    assert.equal(r('{{ join "," .Values.l }}', { l: ['a', 'b'] }), 'a,b');
    assert.equal(r('{{ toJson .Values.m }}', { m: { b: 1, a: [true] } }), '{"a":[true],"b":1}');
    assert.equal(r('{{ "k" | b64enc }}'), 'aw==');
    assert.equal(r('{{ and 1 0 }} {{ or 0 "x" }} {{ not "" }} {{ eq 1 2 1 }} {{ gt (int "3") 1 }}'), '0 x true true true');
    assert.equal(r('{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ toYaml $d }}'), 'a: 1\nb: 2');
    assert.equal(r('{{ range (list "a" "b" | toYaml | fromYamlArray) }}{{ . }}{{ end }}'), 'ab');
    assert.equal(r('{{ contains "lk" "my-lk-rel" }}'), 'true');
  });
  it('.Files.Get returns the file or "" and fromYaml parses it', () => {
    assert.equal(r('{{ $m := .Files.Get "f/a.yaml" | fromYaml }}{{ $m.k }}|{{ .Files.Get "nope" }}', {}, '', { 'f/a.yaml': 'k: v\n' }), 'v|');
  });
  it('required and fail abort rendering with the message', () => {
    assert.throws(() => r('{{ required "x is required" .Values.x }}'), /x is required/);
    assert.equal(r('{{ required "x" .Values.x }}', { x: 'ok' }), 'ok');
    assert.throws(() => r('{{ fail "boom" }}'), /boom/);
  });
  it('comments (also multi-line, also containing }}) are dropped', () => {
    assert.equal(r('a{{/* c }} */}}b\n{{- /* multi\nline */}}\nc'), 'ab\nc');
  });
});

describe('gotemplate subset: refuses what it does not implement', () => {
  const refused: [string, string, RegExp][] = [
    ['unknown function', '{{ lookup "v1" "Secret" "ns" "n" }}', /unsupported function "lookup"/],
    ['tpl', '{{ tpl "x" . }}', /unsupported function "tpl"/],
    ['template keyword', '{{ template "x" . }}', /unsupported keyword "template"/],
    ['block keyword', '{{ block "x" . }}{{ end }}', /unsupported keyword "block"/],
    ['break', '{{ range .Values.l }}{{ break }}{{ end }}', /unsupported keyword "break"/],
    ['assignment', '{{ $x := 1 }}{{ $x = 2 }}', /assignment/],
    ['field of a parenthesized pipeline', '{{ (dict "a" 1).a }}', /parenthesized/],
    ['printing a map', '{{ .Values.m }}', /printing a map/],
    ['printing a list', '{{ .Values.l }}', /printing a list/],
    ['nested define', '{{ if true }}{{ define "x" }}{{ end }}{{ end }}', /only allowed at top level/],
    ['missing end', '{{ if true }}x', /missing \{\{end\}\}/],
    ['stray end', '{{ end }}', /unexpected/],
    ['trim marker without space', '{{-.Values.x }}', /must be followed by a space/],
    ['comment not at the delimiter', '{{ /* x */ }}', /unexpected character/],
    ['unknown include', '{{ include "nope" . }}', /no template "nope"/],
    ['wrong arity', '{{ nindent 2 }}', /takes 2 arguments/],
    ['unsupported printf verb', '{{ printf "%x" 1 }}', /unsupported printf verb %x/],
  ];
  for (const [name, src, re] of refused)
    it(name, () => assert.throws(() => r(src, { m: { a: 1 }, l: [1] }), re));
});
