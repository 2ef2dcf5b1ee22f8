/**
 * One client process of the fan-out benchmark: opens `count` WebSockets to the live endpoint
 * (a few hundred at a time), subscribes each to `vms`, checks that each socket gets every
 * sequence once and in order after its snapshot, and notes for every event how long after its
 * send time each client had it. Reports to the parent over IPC.
 *
 * Its CPU is taken from the server's on the same cores, so it does as little as it can per
 * message while still checking each one: a bare RFC 6455 client reading every socket into one
 * shared buffer (no stream, no Buffer per read, no UTF-8 validation: the server's frames are
 * checked by the tests, not here), and the message is never turned into a string or parsed as
 * JSON: the sequence and the send time are read as digits from the bytes.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const [url = '', session = '', countArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const CONNECTING_AT_ONCE = 200;
const wallMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

const EVENT = Buffer.from('{"op":"event",');
const SNAPSHOT = Buffer.from('{"op":"snapshot",');
const SEQ = Buffer.from('"seq":');
const SENT_AT = Buffer.from('"sentAt":');
const SUBSCRIBED = Buffer.from('{"op":"subscribed",');

/** The decimal integer at `at` (digits up to the first non-digit); -1 when there is none. */
function integerAt(b: Buffer, at: number): number {
  let n = -1;
  for (let i = at; i < b.length; i++) {
    const c = b[i] ?? 0;
    if (c < 48 || c > 57) break;
    n = (n < 0 ? 0 : n * 10) + c - 48;
  }
  return n;
}

/** The integer after `key` in the message, searched from `from`; -1 when absent. */
function field(b: Buffer, key: Buffer, from = 0): number {
  const at = b.indexOf(key, from);
  return at < 0 ? -1 : integerAt(b, at + key.length);
}

const startsWith = (b: Buffer, prefix: Buffer): boolean => b.length >= prefix.length && b.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** Per sequence: the latencies (ms) of the clients that got it. */
const latencies = new Map<number, number[]>();
let snapshots = 0;
let closedEarly = 0;
/** Events that were not the next sequence of their socket: a gap, a duplicate or out of order. */
let outOfSequence = 0;
/** Events before the socket's snapshot, or messages of no known form. */
let unexpected = 0;

/** Reads a socket's events: the sequence after its snapshot, and the latency. */
function reader(): (message: Buffer) => void {
  /** The last sequence this socket had; undefined before its snapshot. */
  let last: number | undefined;
  return (raw) => {
    const at = wallMicros();
    if (startsWith(raw, EVENT)) {
      const seq = field(raw, SEQ, EVENT.length);
      if (last === undefined || seq < 0) unexpected++;
      else if (seq !== last + 1) outOfSequence++;
      last = seq;
      const sentAt = field(raw, SENT_AT, EVENT.length);
      let list = latencies.get(seq);
      if (list === undefined) latencies.set(seq, (list = []));
      list.push((at - sentAt) / 1000);
    } else if (startsWith(raw, SNAPSHOT)) {
      last = field(raw, SEQ, SNAPSHOT.length);
      snapshots++;
    } else if (!startsWith(raw, SUBSCRIBED)) unexpected++;
  };
}

/**
 * A client frame: FIN, the opcode, masked (RFC 6455 requires it) with a zero key, which leaves
 * the payload as it is: a load generator has no one to protect from cache poisoning.
 */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('client frames here are small');
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | payload.length;
  payload.copy(out, 6);
  return out;
}
const SUBSCRIBE = clientFrame(1, Buffer.from('{"op":"subscribe","topics":["vms"]}'));

/**
 * Every socket reads into this one buffer (`onread`: no Buffer and no stream push per read);
 * each read is handled before the next, and what is left of a frame is copied out.
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const target = new URL(url);

/**
 * One WebSocket over a bare TCP socket: the upgrade, then the server's frames (unmasked, never
 * fragmented by uWS; pings answered). A minimal RFC 6455 client, because `ws` costs more CPU per
 * message than the server does, on the same cores.
 */
function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = reader();
    let upgraded = false;
    /** Bytes of a frame (or of the upgrade answer) that a read left incomplete. */
    let held: Buffer | undefined;
    const socket = connect({
      host: target.hostname,
      port: Number(target.port),
      onread: {
        buffer: readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          onBytes(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true; // keep reading
        },
      },
    });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nCookie: ravel_session=${session}\r\n\r\n`,
      );
    });
    socket.once('error', reject);
    socket.on('close', () => {
      if (upgraded) closedEarly++;
    });

    function onBytes(read: Buffer): void {
      let b = held === undefined ? read : Buffer.concat([held, read]);
      held = undefined;
      if (!upgraded) {
        const end = b.indexOf('\r\n\r\n');
        if (end < 0) {
          held = Buffer.from(b);
          return;
        }
        if (!b.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${b.toString('latin1', 0, end)}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        socket.write(SUBSCRIBE);
        resolve();
        b = b.subarray(end + 4);
      }
      let at = 0;
      while (b.length - at >= 2) {
        const b0 = b[at] ?? 0;
        let length = (b[at + 1] ?? 0) & 0x7f;
        let header = 2;
        if (length === 126) {
          if (b.length - at < 4) break;
          length = b.readUInt16BE(at + 2);
          header = 4;
        } else if (length === 127) {
          if (b.length - at < 10) break;
          length = Number(b.readBigUInt64BE(at + 2));
          header = 10;
        }
        if (b.length - at < header + length) break;
        const payload = b.subarray(at + header, at + header + length);
        at += header + length;
        const opcode = b0 & 0x0f;
        if ((b0 & 0x80) === 0) unexpected++; // uWS does not fragment: a frame without FIN is wrong
        if (opcode === 1) onMessage(payload);
        else if (opcode === 9) socket.write(clientFrame(10, Buffer.from(payload)));
        else if (opcode === 8) socket.end();
      }
      if (at < b.length) held = Buffer.from(b.subarray(at)); // the shared buffer is reused by the next read
    }
  });
}

for (let i = 0; i < count; i += CONNECTING_AT_ONCE) {
  await Promise.all(Array.from({ length: Math.min(CONNECTING_AT_ONCE, count - i) }, open));
}
while (snapshots < count) await new Promise((r) => setTimeout(r, 20));
process.send?.({ op: 'ready' });

process.on('message', (m: { op: string }) => {
  if (m.op !== 'report') return;
  process.send?.({ op: 'report', latencies: [...latencies.entries()], closedEarly, outOfSequence, unexpected });
});
process.on('SIGINT', () => process.exit(0));
