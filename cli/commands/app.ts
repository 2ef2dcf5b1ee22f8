/**
 * `ravel app list|create|publish|start|stop|wait`: applications over the REST API, with
 * `--json` for scripts. `wait` polls the deployment until every VM is in the state asked for
 * (exit 0), a VM is in ERROR (exit 5), or the timeout passes (exit 4): see lib/exit-codes.ts.
 */
import { parseArgs } from 'node:util';
import { RavelError } from '../../core/errors.ts';
import { EXIT, usageError } from '../lib/exit-codes.ts';
import { printJson, printTable } from '../lib/output.ts';
import { connect, type RestClient } from '../lib/rest-client.ts';

export const appUsage = `usage: ravel app <command> [--url URL] [--token TOKEN] [--json]

  list                                   the organization's applications
  create NAME [--description D] [--image ID]... [--blueprint ID]
                                         a new application, with a VM per library image (or from a blueprint)
  publish ID [--region R] [--optimization cost|performance] [--no-start]
  start ID | stop ID                     every VM of the application
  wait ID [--state STARTED] [--timeout SECONDS] [--interval SECONDS]
                                         until every VM is in the state (exit 0), a VM is in ERROR (5), or time is up (4)
`;

const common = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const VM_STATES = ['STOPPED', 'PUBLISHING', 'STARTING', 'STARTED', 'STOPPING', 'RESTARTING', 'ERROR'];

interface AppSummary {
  id: number;
  name: string;
  published: boolean;
  nextStopTime?: number;
  deployment?: { totalActiveVms?: number };
}

interface DeployedVm {
  id: number | bigint;
  name?: string;
  state?: string;
}

interface AppDeployment {
  id: number;
  name: string;
  published?: boolean;
  deployment?: { vms?: DeployedVm[] };
}

function appId(s: string | undefined): number {
  if (s === undefined || !/^\d{1,15}$/.test(s)) throw usageError(`an application id is required\n${appUsage}`);
  return Number(s);
}

export async function runApp(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      return list(rest);
    case 'create':
      return create(rest);
    case 'publish':
      return publish(rest);
    case 'start':
    case 'stop':
      return action(sub, rest);
    case 'wait':
      return wait(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(appUsage);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw usageError(`unknown app command '${sub}'\n${appUsage}`);
  }
}

async function list(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: common });
  const apps = await connect(values).call<AppSummary[]>('GET', '/applications');
  if (values.json === true) printJson(apps);
  else
    printTable(
      ['ID', 'NAME', 'PUBLISHED', 'ACTIVE VMS', 'STOPS AT'],
      apps.map((a) => [
        String(a.id),
        a.name,
        a.published ? 'yes' : 'no',
        String(a.deployment?.totalActiveVms ?? 0),
        a.nextStopTime === undefined ? '-' : new Date(a.nextStopTime).toISOString(),
      ]),
    );
  return EXIT.ok;
}

async function create(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...common,
      description: { type: 'string' },
      image: { type: 'string', multiple: true },
      blueprint: { type: 'string' },
    },
  });
  const name = positionals[0];
  if (name === undefined) throw usageError(`a name is required\n${appUsage}`);
  const images = (values.image ?? []).map((s) => appId(s));
  if (values.blueprint !== undefined && images.length > 0) throw usageError('--image and --blueprint do not go together');
  const client = connect(values);
  const description = values.description === undefined ? {} : { description: values.description };
  const body =
    values.blueprint === undefined
      ? { name, ...description }
      : { name, ...description, baseBlueprintId: appId(values.blueprint) };
  let app = await client.call<AppDeployment>('POST', '/applications', body, { idempotent: true });
  for (const baseVmId of images) {
    app = await client.call<AppDeployment>('POST', `/applications/${app.id}/vms`, { baseVmId }, { idempotent: true });
  }
  if (values.json === true) printJson(app);
  else process.stdout.write(`created application ${app.id} (${app.name})\n`);
  return EXIT.ok;
}

async function publish(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...common,
      region: { type: 'string' },
      optimization: { type: 'string' },
      'no-start': { type: 'boolean' },
    },
  });
  const id = appId(positionals[0]);
  const level = values.optimization;
  if (level !== undefined && level !== 'cost' && level !== 'performance')
    throw usageError('--optimization is cost or performance');
  const body = {
    ...(values.region === undefined ? {} : { preferredRegion: values.region }),
    ...(level === undefined ? {} : { optimizationLevel: level === 'cost' ? 'COST_OPTIMIZED' : 'PERFORMANCE_OPTIMIZED' }),
    ...(values['no-start'] === true ? { startAllVms: false } : {}),
  };
  const app = await connect(values).call<AppDeployment>('POST', `/applications/${id}/publish`, body, { idempotent: true });
  if (values.json === true) printJson(app);
  else process.stdout.write(`publishing application ${id}\n`);
  return EXIT.ok;
}

async function action(which: 'start' | 'stop', args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: common });
  const id = appId(positionals[0]);
  const app = await connect(values).call<AppDeployment>('POST', `/applications/${id}/${which}`, undefined, { idempotent: true });
  if (values.json === true) printJson(app);
  else process.stdout.write(`${which === 'start' ? 'starting' : 'stopping'} application ${id}\n`);
  return EXIT.ok;
}

async function wait(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...common,
      state: { type: 'string', default: 'STARTED' },
      timeout: { type: 'string', default: '600' },
      interval: { type: 'string', default: '2' },
    },
  });
  const id = appId(positionals[0]);
  const want = values.state.toUpperCase();
  if (!VM_STATES.includes(want)) throw usageError(`--state is one of ${VM_STATES.join(', ')}`);
  const timeoutMs = seconds(values.timeout, '--timeout') * 1000;
  const intervalMs = Math.max(100, seconds(values.interval, '--interval') * 1000);
  const client = connect(values);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const vms = await deployedVms(client, id);
    const states = vms.map((v) => v.state ?? 'UNKNOWN');
    const summary = summarize(states);
    if (values.json !== true && summary !== last) process.stderr.write(`application ${id}: ${summary}\n`);
    last = summary;
    const reached = vms.length > 0 && states.every((s) => s === want);
    const failed = want !== 'ERROR' && states.includes('ERROR');
    const timedOut = !reached && !failed && Date.now() + intervalMs > deadline;
    if (reached || failed || timedOut) {
      const outcome = reached ? 'reached' : failed ? 'error' : 'timeout';
      if (values.json === true)
        printJson({ id, state: want, outcome, vms: vms.map((v) => ({ id: v.id, name: v.name, state: v.state })) });
      else if (reached) process.stdout.write(`application ${id}: every VM is ${want}\n`);
      else if (failed) process.stderr.write(`application ${id}: a VM is in ERROR\n`);
      else process.stderr.write(`application ${id}: not every VM ${want} after ${values.timeout} s\n`);
      return reached ? EXIT.ok : failed ? EXIT.vmError : EXIT.waitTimedOut;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function seconds(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw usageError(`${flag} is a number of seconds`);
  return n;
}

async function deployedVms(client: RestClient, id: number): Promise<DeployedVm[]> {
  const app = await client.call<AppDeployment | undefined>('GET', `/applications/${id};deployment`);
  if (app === undefined) throw new RavelError('UNAVAILABLE', `application ${id}: answer without a body`);
  return app.deployment?.vms ?? [];
}

/** `2 STARTED, 1 STARTING`, or `no VMs deployed`. */
function summarize(states: readonly string[]): string {
  if (states.length === 0) return 'no VMs deployed';
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}
