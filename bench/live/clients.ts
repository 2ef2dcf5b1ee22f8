/**
 * One client process of the fan-out benchmark: opens `count` WebSockets to the live endpoint
 * (a few hundred at a time), subscribes each to `vms`, and notes for every event how long after
 * its send time each client had it. Reports to the parent over IPC.
 */
import WebSocket from 'ws';

const [url = '', session = '', countArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const CONNECTING_AT_ONCE = 200;
const wallNow = (): number => performance.timeOrigin + performance.now();

/** Per event index: the latencies (ms) of the clients that got it. */
const latencies = new Map<number, number[]>();
const sockets: WebSocket[] = [];
let snapshots = 0;
let closedEarly = 0;

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { cookie: `ravel_session=${session}` }, perMessageDeflate: false });
    ws.once('open', () => {
      ws.send('{"op":"subscribe","topics":["vms"]}');
      resolve();
    });
    ws.once('error', reject);
    ws.on('close', () => closedEarly++);
    ws.on('message', (raw: Buffer) => {
      const at = wallNow();
      const text = raw.toString('utf8');
      if (text.startsWith('{"op":"snapshot"')) snapshots++;
      if (!text.startsWith('{"op":"event"')) return;
      // The load generator reads only the two fields it needs, so its CPU stays small.
      const i = Number(/"vmId":"(\d+)"/.exec(text)?.[1]);
      const sentAt = Number(/"sentAt":([0-9.e+]+)/.exec(text)?.[1]);
      let list = latencies.get(i);
      if (list === undefined) latencies.set(i, (list = []));
      list.push(at - sentAt);
    });
    sockets.push(ws);
  });
}

for (let i = 0; i < count; i += CONNECTING_AT_ONCE) {
  await Promise.all(Array.from({ length: Math.min(CONNECTING_AT_ONCE, count - i) }, open));
}
while (snapshots < count) await new Promise((r) => setTimeout(r, 20));
process.send?.({ op: 'ready' });

process.on('message', (m: { op: string }) => {
  if (m.op !== 'report') return;
  process.send?.({ op: 'report', latencies: [...latencies.entries()], closedEarly });
});
process.on('SIGINT', () => process.exit(0));
