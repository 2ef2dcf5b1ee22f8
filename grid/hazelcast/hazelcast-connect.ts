/**
 * Connecting hazelcast-client with bounded waits: the client gives up with UNAVAILABLE after
 * connectTimeoutMs instead of retrying forever (its default). The same bound applies when a
 * connected client loses every member: it then shuts itself down for good, and `onLost` is
 * called so the grid can connect a new client (HazelcastGrid does, in the background). (asyncStart
 * would let the client retry forever by itself, but hazelcast-client 5.6 then never opens
 * connections to the other members, and smart routing, listeners and backups suffer.)
 */
import { Client, LifecycleState, ReconnectMode, type ClientConfig, type ILogger } from 'hazelcast-client';
import { RavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';

export interface ConnectOptions {
  members: readonly string[];
  clusterName: string;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  log: Logger;
  /** Called when the connected client shuts down: it gave up on the cluster, or was told to. */
  onLost?: () => void;
}

/** hazelcast-client's log lines, into ours. */
function clientLogger(log: Logger): ILogger {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (objectName: string, message: string, furtherInfo?: unknown): void =>
      log[level]({ component: `hazelcast-client/${objectName}`, info: furtherInfo }, message);
  const byLevel = [at('error'), at('warn'), at('info'), at('debug'), at('trace')];
  return {
    log: (level, objectName, message, furtherInfo) => byLevel[level]?.(objectName, message, furtherInfo),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
  };
}

export async function connectClient(options: ConnectOptions): Promise<Client> {
  let connected = false;
  const config: ClientConfig = {
    lifecycleListeners: [
      (state) => {
        if (state === LifecycleState.SHUTTING_DOWN && connected) options.onLost?.();
      },
    ],
    clusterName: options.clusterName,
    network: { clusterMembers: [...options.members], connectionTimeout: Math.min(options.connectTimeoutMs, 5000) },
    connectionStrategy: {
      asyncStart: false,
      reconnectMode: ReconnectMode.ON,
      connectionRetry: {
        initialBackoffMillis: 100,
        maxBackoffMillis: 2000,
        clusterConnectTimeoutMillis: options.connectTimeoutMs,
      },
    },
    // Members wait for their synchronous backups before they answer. With this on, the client
    // would wait for backup acks itself, and stall 5 s on each write while it is not yet
    // connected to the member holding the backup.
    backupAckToClientEnabled: false,
    customLogger: clientLogger(options.log),
    properties: {
      'hazelcast.client.invocation.timeout.millis': options.callTimeoutMs,
      'hazelcast.client.invocation.retry.pause.millis': 100,
      'hazelcast.logging.level': 'TRACE',
    },
  };
  try {
    const client = await Client.newHazelcastClient(config);
    connected = true;
    return client;
  } catch (e) {
    throw new RavelError(
      'UNAVAILABLE',
      `no Hazelcast member of cluster ${options.clusterName} answered within ${options.connectTimeoutMs} ms`,
      { cause: e, details: { members: options.members.join(',') } },
    );
  }
}
