/** The Bus of one real HVX host: its own NATS connection, credentials, TLS, and inbox prefix. */
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import type { Logger } from '../../core/log.ts';
import { hvxSubjects } from '../protocol.ts';

export interface AgentConnectionOptions {
  readonly host: string;
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  /** A NATS credentials file (nkey or JWT), instead of user and password. */
  readonly credsFile?: string;
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  readonly logger?: Logger;
}

export function connectAgentBus(o: AgentConnectionOptions): Promise<NatsBus> {
  return NatsBus.connect({
    servers: [...o.servers],
    name: `hvx-${o.host}`,
    replicas: 1,
    inboxPrefix: hvxSubjects.inboxPrefix(o.host),
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.pass === undefined ? {} : { pass: o.pass }),
    ...(o.credsFile === undefined ? {} : { credsFile: o.credsFile }),
    ...(o.tls === undefined ? {} : { tls: { ...o.tls } }),
    ...(o.logger === undefined ? {} : { logger: o.logger }),
  });
}
