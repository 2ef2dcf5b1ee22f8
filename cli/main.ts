/**
 * `ravel <command>`: the one entry point of every Ravel process. Each command lives in
 * cli/commands/ and is loaded only when asked for, so `ravel upload` does not pull in the grid.
 */
import { match } from 'ts-pattern';
import { isRavelError } from '../core/errors.ts';

const usage = `usage: ravel <command> [options]

commands:
  node        run a Ravel node (embedded mode by default; see cluster.config.ts)
  hvx         run the HVX agent of one host (ravel hvx --help)
  upload      upload a disk image: ravel upload FILE --url URL --user USER --password PASSWORD
  help        this text
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  return match(command)
    .with('node', async () => (await import('./commands/node.ts')).runNode(rest))
    .with('hvx', async () => (await import('./commands/hvx.ts')).runHvx(rest))
    .with('upload', async () => (await import('./commands/upload.ts')).runUpload(rest))
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
    process.exitCode = 1;
  },
);
