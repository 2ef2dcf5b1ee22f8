/**
 * The test gateway in a child process, for tests that watch what the process itself does:
 * whether uWS warns about uncorked writes on stderr, whether it survives aborts. Reports
 * `{port, session}` to the parent over IPC and stops on 'stop'.
 */
import { pino } from 'pino';
import { alice } from './fake-authenticator.ts';
import { startTestGateway } from './test-gateway.ts';

// Errors go to stderr, where the parent test looks for them.
const t = await startTestGateway({}, { log: pino({ level: 'error' }, process.stderr) });
const session = t.auth.session(alice);
process.send?.({ port: t.gw.port, session });
process.on('message', (m) => {
  if (m === 'stop') {
    void t.stop().then(() => process.exit(0));
  }
});
