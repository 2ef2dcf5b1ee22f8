/** A hello-world server for the baselines; reports its port to the parent over IPC. */
import { createServer } from 'node:http';
import uws from '@trufflesuite/uws-js-unofficial';

const kind = process.argv[2];
if (kind === 'uws') {
  const app = uws.App().get('/*', (res) => {
    res.writeHeader('Content-Type', 'text/plain').end('Hello World!');
  });
  app.listen('127.0.0.1', 0, (token) => {
    if (token === false) process.exit(1);
    process.send?.(uws.us_socket_local_port(token));
  });
} else {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Hello World!');
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send?.(typeof addr === 'object' && addr !== null ? addr.port : 0);
  });
}
