/**
 * uWebSockets.js hello-world and Node's own http, both loaded by wrk: the ceiling against which
 * the gateway's REST figures are set. Servers run in a child process so wrk, the server and
 * this script do not share one event loop.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { wrk, type WrkResult } from '../wrk.ts';

export async function measureHelloWorld(kind: 'uws' | 'node-http', seconds: number): Promise<WrkResult> {
  const child = fork(join(import.meta.dirname, 'hello-server.ts'), [kind], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(Number(m)));
      child.once('exit', (code) => reject(new Error(`hello server exited with ${code}`)));
    });
    return await wrk(`http://127.0.0.1:${port}/`, seconds);
  } finally {
    child.kill('SIGKILL');
  }
}
