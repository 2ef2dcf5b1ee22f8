/** The shape of Ravel's configuration, in one place: types, defaults and validation. */
import { Type, type Static } from '@sinclair/typebox';
import { defaultRegions, RegionsSchema } from '../cloud/regions.ts';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Millis = Type.Integer({ minimum: 1, maximum: 86_400_000 });
const Role = Type.Union([Type.Literal('gateway'), Type.Literal('actors'), Type.Literal('storage')]);

const TlsFiles = Type.Object(
  { certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }), caFile: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('cluster')]),
    /** Unique per process in a cluster; defaults to host name and pid. */
    nodeId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
    roles: Type.Array(Role, { minItems: 1, uniqueItems: true }),
    dataDir: Type.String({ minLength: 1 }),
    logLevel: Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'silent'].map((l) => Type.Literal(l))),
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        user: Type.Optional(Type.String()),
        pass: Type.Optional(Type.String()),
        token: Type.Optional(Type.String()),
        credsFile: Type.Optional(Type.String()),
        tls: Type.Optional(Type.Partial(TlsFiles, { additionalProperties: false })),
        /** Streams and buckets are created with this many replicas (3 on a 3-server cluster). */
        replicas: Type.Integer({ minimum: 1, maximum: 5 }),
      },
      { additionalProperties: false },
    ),
    hazelcast: Type.Object(
      {
        members: Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$' }), { minItems: 1 }),
        clusterName: Type.String({ minLength: 1, maxLength: 100 }),
      },
      { additionalProperties: false },
    ),
    gateway: Type.Object(
      {
        host: Type.String({ minLength: 1 }),
        port: Port,
        /** `off`: plain HTTP; `self-signed`: a development certificate made at first start. */
        tls: Type.Union([Type.Literal('off'), Type.Literal('self-signed'), TlsFiles]),
        maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
        /** Token buckets per principal and per client address; the gateway has defaults. */
        rateLimit: Type.Optional(
          Type.Object(
            {
              perPrincipal: Type.Object({ perSecond: Type.Number({ exclusiveMinimum: 0 }), burst: Type.Integer({ minimum: 1 }) }),
              perAddress: Type.Object({ perSecond: Type.Number({ exclusiveMinimum: 0 }), burst: Type.Integer({ minimum: 1 }) }),
              maxBuckets: Type.Integer({ minimum: 16, maximum: 10_000_000 }),
            },
            { additionalProperties: false },
          ),
        ),
        /** With TLS on: a plain-HTTP port that redirects pages to https and refuses API calls. */
        plainHttpPort: Type.Optional(Port),
        /** How long shutdown waits for in-flight requests before closing connections. */
        shutdownGraceMs: Type.Optional(Millis),
      },
      { additionalProperties: false },
    ),
    actors: Type.Object(
      {
        shards: Type.Integer({ minimum: 1, maximum: 65536 }),
        askTimeoutMs: Millis,
        passivateAfterMs: Millis,
        leaseMs: Millis,
        mailboxCapacity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        /** A retried command with an idempotency key is recognised for this long... */
        idempotencyWindowMs: Millis,
        /** ...and among this many most recent keys of the actor. */
        idempotencyKeysPerActor: Type.Integer({ minimum: 1, maximum: 100_000 }),
        /** Turns of one actor that one durable write may carry (group commit). */
        maxTurnsPerCommit: Type.Integer({ minimum: 1, maximum: 10_000 }),
      },
      { additionalProperties: false },
    ),
    /**
     * Each organization's event stream (events, notifications, live resume) keeps events this many
     * days, dropping the oldest first; a live client resuming from a dropped event gets a fresh
     * snapshot. There is no cap in bytes: JetStream reserves a stream's max_bytes against the
     * server's max_file_store when the stream is made, so a cap per organization would refuse new
     * organizations' streams long before the disk filled.
     */
    events: Type.Object({ retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }) }, { additionalProperties: false }),
    /** Where applications run: each region's prices, host size, how many hosts it rents, public range. */
    regions: RegionsSchema,
    hosts: Type.Object(
      {
        /** How often an agent of the embedded fleet sends a heartbeat. */
        heartbeatMs: Millis,
        /** A host silent this long is declared dead and its VMs are repaired elsewhere. */
        deadAfterMs: Millis,
        /** A rented host that has carried no VM this long is given back to the cloud. */
        releaseIdleAfterMs: Millis,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type RavelConfig = Static<typeof ConfigSchema>;

/** Everything optional, at any depth: what a config file or the environment may give. */
export type ConfigOverrides = DeepPartial<RavelConfig>;
type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export const defaults: RavelConfig = {
  mode: 'embedded',
  roles: ['gateway', 'actors', 'storage'],
  dataDir: './data',
  logLevel: 'info',
  nats: { servers: ['nats://127.0.0.1:4222'], replicas: 1 },
  hazelcast: { members: ['127.0.0.1:5701'], clusterName: 'ravel' },
  gateway: { host: '127.0.0.1', port: 8080, tls: 'off', maxBodyBytes: 1024 * 1024 },
  actors: {
    shards: 256,
    askTimeoutMs: 5000,
    passivateAfterMs: 300_000,
    leaseMs: 3000,
    mailboxCapacity: 1000,
    idempotencyWindowMs: 600_000,
    idempotencyKeysPerActor: 256,
    maxTurnsPerCommit: 64,
  },
  events: { retentionDays: 90 },
  regions: defaultRegions.map((r) => ({ ...r, hostSize: { ...r.hostSize } })),
  hosts: { heartbeatMs: 2000, deadAfterMs: 15_000, releaseIdleAfterMs: 600_000 },
};
