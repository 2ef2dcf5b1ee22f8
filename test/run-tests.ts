/**
 * Runs every *.test.ts under the project with Node's own test runner (TypeScript through tsx).
 * Arguments narrow the run to files whose path contains one of them:
 *   npm test -- grid bus
 * Files run one at a time by default: cluster tests start JVMs and servers, and this is a
 * 2-core machine. RAVEL_TEST_CONCURRENCY raises it.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const skipDirs = new Set(['node_modules', '.git', '.cache', 'data', 'bench']);

function collect(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name) && !entry.name.startsWith('.')) collect(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(relative(root, join(dir, entry.name)));
    }
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect(root, [])
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const concurrency = process.env['RAVEL_TEST_CONCURRENCY'] ?? '1';
const child = spawn(
  process.execPath,
  // A test that hangs fails after 15 minutes (the longest, the chaos runs, take about two)
  // instead of holding CI to its limit.
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 1)));
