// Table tests of the egress proxy's pure parts: which addresses are refused, and how proxy requests are parsed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressPolicy, embeddedIPv4, parseCidr } from '../src/egress/address-policy.ts';
import { forwardHeaders, parseAbsoluteTarget, parseConnectTarget } from '../src/egress/proxy-request.ts';

const strict = new AddressPolicy({ allowPrivate: false, denyCidrs: ['203.0.114.0/24', 'fd00:10:96::/112'] });

test('refused address classes', () => {
  const cases: Array<[string, string | null]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['not-an-ip', 'reserved'],
    ['203.0.114.9', 'cluster'],
    ['fd00:10:96::1', 'cluster'],
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700::1111', null],
    ['[2606:4700::1111]', null],
  ];
  for (const [ip, want] of cases) {
    const d = strict.check(ip);
    assert.deepEqual(d, want === null ? { ok: true } : { ok: false, class: want }, ip);
  }
});

test('allowPrivate lets local ranges through but never the cluster CIDRs', () => {
  const open = new AddressPolicy({ allowPrivate: true, denyCidrs: ['10.96.0.0/12'] });
  assert.deepEqual(open.check('127.0.0.1'), { ok: true });
  assert.deepEqual(open.check('192.168.1.1'), { ok: true });
  assert.deepEqual(open.check('10.96.0.1'), { ok: false, class: 'cluster' });
  assert.deepEqual(open.check('::ffff:10.96.0.1'), { ok: false, class: 'cluster' });
});

test('parseCidr and embeddedIPv4', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseCidr(' fd00::/8 '), { address: 'fd00::', prefix: 8, family: 'ipv6' });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'x/8', '::/129', ''])
    assert.throws(() => parseCidr(bad), RangeError, bad);
  assert.equal(embeddedIPv4('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(embeddedIPv4('::ffff:0102:0304'), '1.2.3.4');
  assert.equal(embeddedIPv4('2606:4700::1111'), null);
});

test('CONNECT targets', () => {
  assert.deepEqual(parseConnectTarget('example.com:443'), { ok: true, target: { host: 'example.com', port: 443 } });
  assert.deepEqual(parseConnectTarget('EXAMPLE.com.:80'), { ok: true, target: { host: 'example.com', port: 80 } });
  assert.deepEqual(parseConnectTarget('[::1]:443'), { ok: true, target: { host: '::1', port: 443 } });
  // Numeric IPv4 spellings are normalised as Chromium does, so they cannot dodge the address check.
  assert.deepEqual(parseConnectTarget('2130706433:80'), { ok: true, target: { host: '127.0.0.1', port: 80 } });
  assert.deepEqual(parseConnectTarget('0x7f.1:80'), { ok: true, target: { host: '127.0.0.1', port: 80 } });
  for (const bad of [
    undefined,
    '',
    'example.com',
    'example.com:0',
    'example.com:70000',
    'a b:80',
    'u:p@example.com:80',
    `${'a'.repeat(300)}:80`,
  ]) {
    assert.equal(parseConnectTarget(bad).ok, false, String(bad));
  }
});

test('absolute-URI targets', () => {
  assert.deepEqual(parseAbsoluteTarget('http://example.com/a?b=1'), {
    ok: true,
    target: { host: 'example.com', port: 80 },
    path: '/a?b=1',
  });
  assert.deepEqual(parseAbsoluteTarget('http://127.1:8080/'), {
    ok: true,
    target: { host: '127.0.0.1', port: 8080 },
    path: '/',
  });
  for (const bad of [undefined, '/relative', 'https://example.com/', 'ftp://x/', 'http://u:p@example.com/']) {
    assert.equal(parseAbsoluteTarget(bad).ok, false, String(bad));
  }
});

test('hop-by-hop and Connection-named headers are not forwarded', () => {
  assert.deepEqual(
    forwardHeaders({
      host: 'a',
      'proxy-authorization': 'x',
      'proxy-connection': 'keep-alive',
      connection: 'keep-alive, x-secret',
      'x-secret': '1',
      accept: '*/*',
      te: 'trailers',
    }),
    { host: 'a', accept: '*/*' },
  );
});
