/** A bare TCP client for what fetch will not do: partial bodies, aborts, reading the first bytes only. */
import { connect, type Socket } from 'node:net';

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what arrived once `until` matches it, or when the socket closes. */
export function readUntil(s: Socket, until: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', done);
      resolve(got);
    };
    const onData = (b: Buffer): void => {
      got += b.toString('latin1');
      if (until.test(got)) done();
    };
    const timer = setTimeout(() => {
      s.off('data', onData);
      reject(new Error(`timed out waiting for ${until}; got ${JSON.stringify(got.slice(0, 300))}`));
    }, timeoutMs);
    s.on('data', onData);
    s.once('close', done);
  });
}

/** Status code of the first response in `raw`. */
export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}
