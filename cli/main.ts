/**
 * `ravel <command>`: the one entry point of every Ravel process. Each command lives in
 * cli/commands/ and is loaded only when asked for, so `ravel upload` does not pull in the grid.
 */
import { match } from 'ts-pattern';
import { isRavelError } from '../core/errors.ts';
import { exitCodeOf } from './lib/exit-codes.ts';

const usage = `usage: ravel <command> [options]

commands:
  node        run a Ravel node (embedded mode by default; see cluster.config.ts)
  hvx         run the HVX agent of one host (ravel hvx --help)
  upload      upload a disk image, ISO or OVA: ravel upload FILE [--url URL]
  import      a VM exported from VMware (.vmx or OVF folder) into the library: ravel import DIR
  login       log in to a server and keep the session: ravel login --url URL --user USER
  logout      end the session
  app         applications: ravel app list|create|publish|start|stop|wait (ravel app help)
  admin       operators: ravel admin org create NAME --admin-email EMAIL
  help        this text

exit codes: 0 done, 1 failed, 2 wrong arguments, 3 log in first, 4 wait timed out, 5 a VM is in ERROR
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  return match(command)
    .with('node', async () => (await import('./commands/node.ts')).runNode(rest))
    .with('hvx', async () => (await import('./commands/hvx.ts')).runHvx(rest))
    .with('upload', async () => (await import('./commands/upload.ts')).runUpload(rest))
    .with('import', async () => (await import('./commands/import.ts')).runImport(rest))
    .with('login', async () => (await import('./commands/login.ts')).runLogin(rest))
    .with('logout', async () => (await import('./commands/login.ts')).runLogout(rest))
    .with('app', async () => (await import('./commands/app.ts')).runApp(rest))
    .with('admin', async () => (await import('./commands/admin.ts')).runAdmin(rest))
    .with(undefined, 'help', '--help', '-h', () => {
      process.stdout.write(usage);
      return 0;
    })
    .otherwise((c) => {
      process.stderr.write(`ravel: unknown command '${c}'\n\n${usage}`);
      return 2;
    });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const code = isRavelError(e) ? e.code : 'INTERNAL';
    process.stderr.write(`ravel: ${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = exitCodeOf(e);
  },
);
