import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie } from './credentials.ts';

/** The plain reading: split on `;`, the first part whose trimmed name matches. */
function reference(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

test('readCookie reads a Cookie header as the plain split-and-trim reading does', () => {
  const fixed = [
    '', 'ravel_session=1.abc', ' ravel_session = 1.abc ', 'a=1; ravel_session=2.x; b=3', 'a=1;ravel_session=', 'ravel_session',
    '=ravel_session', 'ravel_session=a=b', 'x_ravel_session=1; ravel_session=2', 'ravel_session=1; ravel_session=2', ';;;', 'a; b; ravel_session=9',
    'a=; ravel_session=\t7\t', 'ravel_sessionx=1', '; =1; ravel_session=5',
  ];
  for (const h of fixed) assert.equal(readCookie(h, 'ravel_session'), reference(h, 'ravel_session'), JSON.stringify(h));
  // Headers made of random pieces, so that every arrangement of the separators comes up.
  const pieces = ['ravel_session', 'r', '=', ';', ' ', '\t', '1.x', 'a', '==', '; '];
  let seed = 7;
  const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < 20_000; i++) {
    const h = Array.from({ length: next(9) }, () => pieces[next(pieces.length)]).join('');
    assert.equal(readCookie(h, 'ravel_session'), reference(h, 'ravel_session'), JSON.stringify(h));
  }
});
