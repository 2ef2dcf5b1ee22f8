/**
 * Where `ravel login` keeps its sessions: `$XDG_CONFIG_HOME/ravel/config.json` (default
 * `~/.config`), one entry per server URL, plus the server used last. The file holds session
 * cookies, so it is written with mode 0600 (in a 0700 directory), through a temporary file
 * and a rename so a crash never leaves half a file.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedSession {
  readonly user: string;
  /** `ravel_session=...`, as sent in the Cookie header. */
  readonly cookie: string;
  /** When the server said the session ends (ms since the epoch); absent for a session cookie. */
  readonly expiresAt?: number;
}

export interface CliConfig {
  /** The API root used when no --url is given: `http://host:port/api/v1`. */
  current?: string;
  servers: Record<string, SavedSession>;
}

export function configFile(): string {
  const base = process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config');
  return join(base, 'ravel', 'config.json');
}

export function readCliConfig(): CliConfig {
  try {
    const parsed = JSON.parse(readFileSync(configFile(), 'utf8')) as Partial<CliConfig>;
    const servers = typeof parsed.servers === 'object' && parsed.servers !== null ? parsed.servers : {};
    return typeof parsed.current === 'string' ? { current: parsed.current, servers } : { servers };
  } catch {
    return { servers: {} };
  }
}

export function writeCliConfig(config: CliConfig): void {
  const file = configFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // an existing file keeps its mode on write; be sure
  renameSync(tmp, file);
}

export function saveSession(api: string, session: SavedSession): void {
  const config = readCliConfig();
  config.servers[api] = session;
  config.current = api;
  writeCliConfig(config);
}

export function forgetSession(api: string): void {
  const config = readCliConfig();
  delete config.servers[api];
  writeCliConfig(config);
}
