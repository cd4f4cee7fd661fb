// The checks only the operator makes (table). The CRD's own rules are the API server's: test/integration covers
// that a spec the server refuses never reaches the operator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSpec } from '../../src/browsersession/resolved-spec.ts';
import { checkSpec } from '../../src/browsersession/spec-checks.ts';
import { served } from '../support/crd.ts';
import { testConfig } from '../support/helpers.ts';

const ok = { url: 'https://example.com', room: 'demo' };
const problems = (spec: Record<string, unknown>, name = 'demo', config = testConfig()) =>
  checkSpec(resolveSpec(served(spec, { name }), config));

test('operator-only checks (table)', () => {
  const noDefaultUrl = testConfig({ livekitUrl: '' });
  const cases: {
    name: string;
    spec: Record<string, unknown>;
    session?: string;
    config?: ReturnType<typeof testConfig>;
    want: RegExp | undefined;
  }[] = [
    { name: 'plain session', spec: ok, want: undefined },
    {
      name: 'no LiveKit URL anywhere',
      spec: ok,
      config: noDefaultUrl,
      want: /the operator has no --livekit-url/,
    },
    {
      name: 'identity from a long metadata.name',
      spec: ok,
      session: 'n'.repeat(129),
      want: /must be at most 128 characters, got 129/,
    },
    {
      name: 'explicit identity with a long name',
      spec: { ...ok, participant: { identity: 'browser' } },
      session: 'n'.repeat(200),
      want: undefined,
    },
    { name: 'identity of 128', spec: ok, session: 'n'.repeat(128), want: undefined },
    { name: 'engine chromium', spec: { ...ok, engine: 'chromium' }, want: undefined },
    {
      name: 'engine cef without a CEF runtime image',
      spec: { ...ok, engine: 'cef' },
      want: /spec\.engine cef is not offered by this operator \(it has no --cef-runtime-image\)/,
    },
    {
      name: 'engine cef with a CEF runtime image',
      spec: { ...ok, engine: 'cef' },
      config: testConfig({ cefRuntimeImage: 'lkbrowser-runtime-cef:test' }),
      want: undefined,
    },
    {
      name: "engine cef: spec.pod.image does not stand in for the admin's CEF image",
      spec: { ...ok, engine: 'cef', pod: { image: 'registry.example/own:1' } },
      want: /spec\.engine cef is not offered/,
    },
    {
      name: 'comma in an origin',
      spec: { ...ok, navigation: { allowedOrigins: ['https://a.example,b'] } },
      want: /allowedOrigins\[0\] must not contain a comma/,
    },
    {
      name: 'comma in a priority identity',
      spec: { ...ok, focus: { priorityIdentities: ['ok', 'a,b'] } },
      want: /priorityIdentities\[1\] must not contain a comma/,
    },
  ];
  for (const c of cases) {
    const p = problems(c.spec, c.session, c.config);
    if (c.want === undefined) assert.deepEqual(p, [], c.name);
    else assert.match(p.join('; '), c.want, c.name);
  }
});
