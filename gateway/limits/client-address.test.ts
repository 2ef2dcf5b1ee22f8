import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, formatAddress } from './client-address.ts';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

test('an IPv4 client is its dotted address, on an IPv4 or a dual-stack listener', () => {
  assert.equal(formatAddress(bytes('7f000001')), '127.0.0.1');
  assert.equal(formatAddress(bytes('00000000000000000000ffffc0a8010a')), '192.168.1.10');
});

test('other IPv6 addresses are eight groups of four hex digits, as uWS writes them', () => {
  assert.equal(formatAddress(bytes('00000000000000000000000000000001')), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(formatAddress(bytes('20010db8000000000000ffff0a000001')), '2001:0db8:0000:0000:0000:ffff:0a00:0001');
});

test('a socket that is not IP (no address from uWS) keys as the empty string', () => {
  assert.equal(formatAddress(new Uint8Array(0)), '');
  assert.equal(clientAddress({ getRemoteAddress: () => new ArrayBuffer(0) }), '');
});
