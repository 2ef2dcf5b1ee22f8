/**
 * What the fuzz test sends: bodies that no route may accept (wrong JSON types, malformed JSON,
 * invalid UTF-8, deep nesting, oversize), raw HTTP requests with abused headers, and the
 * checks that an answer is a clean refusal. Bodies come from fast-check with a seed, so a
 * failure can be replayed with RAVEL_FUZZ_SEED.
 */
import fc from 'fast-check';
import { connect } from 'node:net';

/** JSON text that every route expecting an object must refuse. */
export const badBody: fc.Arbitrary<string> = fc.oneof(
  // Not an object at all.
  fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.double(), fc.string(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v) ?? 'null'),
  // Malformed JSON: an object's text cut short (a strict prefix is never valid), or with garbage after it.
  fc.tuple(fc.jsonValue(), fc.nat()).map(([v, n]) => {
    const t = JSON.stringify({ name: v, x: [1, 2, { y: 'z' }] });
    return t.slice(0, 1 + (n % (t.length - 1)));
  }),
  fc.constantFrom('}', '{', ',', '"', ':', ']', 'x').map((c) => `{"name":"ok","description":"d"}${c}`),
  fc.constantFrom('}', ',', ':', ']', 'x').map((c) => `${c}{"name":"ok"}`),
  // Deeply nested.
  fc.integer({ min: 1000, max: 200_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 1000, max: 50_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
);

const notString = fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.boolean(), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }));
const notExpiration = fc.oneof(fc.string(), fc.double({ noInteger: true, noNaN: true }), fc.integer({ max: -2 }), fc.constant(1e300), fc.constant(null));

/** A body of the right shape with a field of the wrong type, for one route. */
export const wrongTypes: Readonly<Record<string, fc.Arbitrary<string>>> = {
  create: fc.record({ name: notString }).map((v) => JSON.stringify(v)),
  rename: fc.record({ name: notString }).map((v) => JSON.stringify(v)),
  expire: fc.record({ expirationFromNowSeconds: notExpiration }).map((v) => JSON.stringify(v)),
  publish: fc.record({ optimizationLevel: fc.oneof(notString, fc.string().filter((x) => !/^(COST|PERFORMANCE)_OPTIMIZED$/.test(x))) }).map((v) => JSON.stringify(v)),
  keypair: fc.record({ name: notString, publicKey: fc.integer() }).map((v) => JSON.stringify(v)),
};

/** Over the gateway's body limit (1 MiB by default). */
export const hugeBody = (): string => JSON.stringify({ name: 'x', description: 'y'.repeat(3 * 1024 * 1024) });

/** A refusal: a 4xx with an error code, never a success, never a 5xx. */
export function refused(status: number, code: string | null): boolean {
  return status >= 400 && status < 500 && (code !== null || status === 404 || status === 405 || status === 413 || status === 431);
}

/**
 * Sends raw bytes on a new connection and answers what came back before the server closed it or
 * `timeoutMs` passed (an empty string when nothing did).
 */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(got);
    }, timeoutMs);
    s.on('data', (b) => {
      got += b.toString('latin1');
      // One complete answer is enough.
      if (/\r\n\r\n/.test(got) && (/content-length: 0\r\n/i.test(got) || /\r\n\r\n[\s\S]+/.test(got))) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

/** The status of a raw HTTP answer, or 0 when there was none. */
export const statusOf = (raw: string): number => Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
