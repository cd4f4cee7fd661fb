import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNavigation, isPrivateAddress, privateAddressClass } from '../src/nav-policy.ts';

const strict = { allowPrivate: false, allowedOrigins: [] };
const open = { allowPrivate: true, allowedOrigins: [] };

const allowed = [
  'https://example.com/',
  'http://example.com/path?q=1#x',
  'https://sub.example.co.uk:8443/',
  'about:blank',
  'https://8.8.8.8/',
  'https://[2001:4860:4860::8888]/',
  'HTTPS://EXAMPLE.COM',
];
for (const u of allowed) test(`allowed: ${u}`, () => assert.equal(checkNavigation(u, strict).ok, true));

const blocked: Array<[string, RegExp]> = [
  ['file:///etc/passwd', /scheme file:/],
  ['chrome://settings', /scheme chrome:/],
  ['chrome-extension://abc/x.html', /scheme/],
  ['devtools://devtools/bundled/inspector.html', /scheme devtools:/],
  ['javascript:alert(1)', /scheme javascript:/],
  ['data:text/html,<h1>x</h1>', /scheme data:/],
  ['view-source:https://example.com', /scheme view-source:/],
  ['blob:https://example.com/uuid', /scheme blob:/],
  ['filesystem:https://example.com/temporary/x', /scheme/],
  ['ftp://example.com/', /scheme ftp:/],
  ['ws://example.com/', /scheme ws:/],
  ['about:config', /blocked page/],
  ['about:blank#x', /blocked page/],
  ['http://localhost:3000/', /localhost/],
  ['http://LOCALHOST./', /localhost/],
  ['http://app.localhost/', /localhost/],
  ['http://127.0.0.1/', /loopback/],
  ['http://127.9.9.9:8080/', /loopback/],
  ['http://2130706433/', /loopback/],
  ['http://0x7f.1/', /loopback/],
  ['http://127.1/', /loopback/],
  ['http://0177.0.0.1/', /loopback/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://10.1.2.3/', /private/],
  ['http://172.16.0.1/', /private/],
  ['http://172.31.255.255/', /private/],
  ['http://192.168.1.1/', /private/],
  ['http://100.64.0.1/', /CGNAT/],
  ['http://169.254.169.254/latest/meta-data/', /link-local/],
  ['http://[::1]/', /loopback/],
  ['http://[::]/', /unspecified/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[fd00::1]/', /ULA/],
  ['http://[fc12:3456::1]/', /ULA/],
  ['http://[::ffff:127.0.0.1]/', /loopback/],
  ['http://[::ffff:10.0.0.1]/', /private/],
  ['http://[64:ff9b::a9fe:a9fe]/', /link-local/],
  ['http://kubernetes/', /single-label/],
  ['http://metadata.google.internal/', /internal/],
  ['http://my-svc.default.svc.cluster.local/', /\.local/],
  ['http://user:pw@example.com/', /credentials/],
  ['not a url', /not an absolute URL/],
  ['', /empty/],
  [`https://example.com/${'a'.repeat(9000)}`, /longer/],
];
for (const [u, re] of blocked) {
  test(`blocked: ${u.slice(0, 60)}`, () => {
    const d = checkNavigation(u, strict);
    assert.equal(d.ok, false);
    if (!d.ok) assert.match(d.reason, re);
  });
}

test('allowPrivate lets private/loopback targets and local names through, schemes stay blocked', () => {
  for (const u of [
    'http://127.0.0.1:8080/',
    'http://localhost/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://kubernetes/',
  ]) {
    assert.equal(checkNavigation(u, open).ok, true, u);
  }
  for (const u of ['file:///etc/passwd', 'javascript:1', 'chrome://version', 'about:config']) {
    assert.equal(checkNavigation(u, open).ok, false, u);
  }
});

test('origin allowlist: exact and wildcard, port and scheme must match', () => {
  const p = {
    allowPrivate: false,
    allowedOrigins: ['https://example.com', 'https://*.docs.example.org', 'http://a.example:8080'],
  };
  const rows: Array<[string, boolean]> = [
    ['https://example.com/any/path', true],
    ['http://example.com/', false],
    ['https://www.example.com/', false],
    ['https://x.docs.example.org/', true],
    ['https://a.b.docs.example.org/', true],
    ['https://docs.example.org/', false],
    ['https://evildocs.example.org/', false],
    ['http://a.example:8080/', true],
    ['http://a.example/', false],
    ['about:blank', true],
  ];
  for (const [u, ok] of rows) assert.equal(checkNavigation(u, p).ok, ok, u);
});

test('normalised URL is returned', () => {
  assert.deepEqual(checkNavigation('HTTPS://Example.COM', strict), { ok: true, url: 'https://example.com/' });
});

test('address classes', () => {
  assert.equal(isPrivateAddress('8.8.8.8'), false);
  assert.equal(isPrivateAddress('1.1.1.1'), false);
  assert.equal(isPrivateAddress('172.32.0.1'), false);
  assert.equal(isPrivateAddress('100.128.0.1'), false);
  assert.equal(isPrivateAddress('2606:4700::1111'), false);
  assert.equal(privateAddressClass('192.168.0.1'), 'private');
  assert.equal(privateAddressClass('fe80::1%eth0'), 'link-local');
  assert.equal(privateAddressClass('::ffff:169.254.1.1'), 'link-local');
  assert.equal(privateAddressClass('ff02::1'), 'multicast');
  assert.equal(privateAddressClass('224.0.0.1'), 'multicast');
  assert.equal(privateAddressClass('not-an-ip'), 'not an IP address');
  // Embedded IPv4 (net.BlockList matches IPv4-mapped itself; IPv4-compatible and NAT64 are judged by the embedded address).
  const embedded: Array<[string, string | null]> = [
    ['::ffff:8.8.8.8', null],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', null],
  ];
  for (const [ip, want] of embedded) assert.equal(privateAddressClass(ip), want, ip);
});
