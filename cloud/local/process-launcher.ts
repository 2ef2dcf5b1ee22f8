/** Hosts as `ravel hvx` child processes, each with its own NATS user and client certificate. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Resources } from '../../hvx/hypervisor.ts';
import type { HostLauncher, LaunchedHost } from './host-launcher.ts';

export interface HostCredentials {
  readonly user: string;
  readonly pass: string;
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

export interface ProcessLauncherOptions {
  readonly servers: readonly string[];
  /** The credentials issued to a host (by the harness in tests). */
  readonly credentials: (host: string) => HostCredentials;
  readonly projectRoot: string;
  /** Extra `ravel hvx` arguments (timing, heartbeat interval). */
  readonly extraArgs?: readonly string[];
  readonly dataDir?: string;
}

export class ProcessLauncher implements HostLauncher {
  constructor(private readonly o: ProcessLauncherOptions) {}

  async launch(host: string, size: Resources): Promise<LaunchedHost> {
    const c = this.o.credentials(host);
    const tls =
      c.tls === undefined
        ? []
        : ['--ca', c.tls.caFile, '--cert', c.tls.certFile, '--key', c.tls.keyFile];
    const data = this.o.dataDir === undefined ? [] : ['--data-dir', join(this.o.dataDir, host)];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(this.o.projectRoot, 'cli', 'main.ts'),
        'hvx',
        '--host',
        host,
        '--nats',
        this.o.servers.join(','),
        '--user',
        c.user,
        '--pass',
        c.pass,
        ...tls,
        ...data,
        '--cpus',
        String(size.cpus),
        '--memory-mb',
        String(size.memoryMb),
        ...(this.o.extraArgs ?? []),
      ],
      { cwd: this.o.projectRoot, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(kill);
      },
    };
  }
}
