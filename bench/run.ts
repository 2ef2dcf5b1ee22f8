/**
 * `npm run bench -- NAME [--quick]` runs bench/NAME/main.ts, which prints its figures beside
 * the baselines of the same run and writes bench/results/NAME.json.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const [name, ...rest] = process.argv.slice(2);
const here = import.meta.dirname;
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'main.ts')))
  .map((d) => d.name);

if (name === undefined || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--quick]\nbenchmarks: ${available.join(', ')}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, name, 'main.ts'), ...rest], {
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 1));
