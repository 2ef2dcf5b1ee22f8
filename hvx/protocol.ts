/**
 * The HVX agent protocol: every subject, stream and message between the control plane and an
 * agent, in one place. Payloads are core/codec (msgpack); every message is checked where it is
 * read, so a malformed or forged one is a typed error and changes nothing.
 *
 *   hvx.cmd.<host>      commands to a host. Stream HVX_CMD (work queue), one durable consumer
 *                       per host (`hvx-<host>`, filtered on its subject): commands wait there
 *                       while the agent is down, and leave once the agent has acknowledged them.
 *   hvx.result.<host>   a command's result (stream HVX_EVENTS), once per command id.
 *   hvx.status.<host>   a VM's state change (stream HVX_EVENTS).
 *   hvx.hb.<host>       heartbeats: capacity and every VM's state (core NATS, not stored).
 *   _INBOX_<host>.>     the host's reply inboxes (its JetStream pulls and acknowledgements).
 *
 * Disk blocks and snapshots travel through the image service (its own subjects); a snapshot
 * command's result names the versions written.
 */
import { Type, type Static } from '@sinclair/typebox';
import { decode, encode } from '../core/codec.ts';
import { RavelError, type WireError } from '../core/errors.ts';
import type { StreamConfig, WorkQueueOptions } from '../bus/bus.ts';
import type { VmSpec } from './hypervisor.ts';
import { Token, VmSpecSchema, fits } from './vm-spec.ts';

// ------------------------------------------------------------------ subjects and streams

const HOST_ID = /^[A-Za-z0-9_-]{1,48}$/;

/** Throws INVALID_ARGUMENT unless `host` can be a host id (a subject token, short enough for a consumer name). */
export function checkHostId(host: string): string {
  if (typeof host !== 'string' || !HOST_ID.test(host)) {
    throw new RavelError('INVALID_ARGUMENT', `host id ${JSON.stringify(host)} must be 1-48 letters, digits, _ or -`);
  }
  return host;
}

export const hvxSubjects = {
  command: (host: string): string => `hvx.cmd.${host}`,
  result: (host: string): string => `hvx.result.${host}`,
  status: (host: string): string => `hvx.status.${host}`,
  heartbeat: (host: string): string => `hvx.hb.${host}`,
  /** The `inboxPrefix` of the host's connection. */
  inboxPrefix: (host: string): string => `_INBOX_${host}`,
  allHeartbeats: 'hvx.hb.*',
  allStatus: 'hvx.status.*',
  allResults: 'hvx.result.*',
} as const;

export const COMMAND_STREAM = 'HVX_CMD';
export const EVENT_STREAM = 'HVX_EVENTS';

export const commandStream: StreamConfig = {
  name: COMMAND_STREAM,
  subjects: ['hvx.cmd.*'],
  retention: 'workqueue',
  duplicateWindowMs: 10 * 60_000,
};

export const eventStream: StreamConfig = {
  name: EVENT_STREAM,
  subjects: ['hvx.result.*', 'hvx.status.*'],
  retention: 'limits',
  maxAgeMs: 24 * 3600_000,
  duplicateWindowMs: 10 * 60_000,
};

export const consumerName = (host: string): string => `hvx-${host}`;

/**
 * Commands a host holds at once. The agent applies those of one VM in order and those of
 * different VMs side by side (hvx/agent/command-lanes.ts): one at a time, each command's pick,
 * result and acknowledgement were a round of writes that bounded how fast a host could be filled.
 */
export const COMMANDS_IN_FLIGHT = 16;

/**
 * The host's durable consumer. The control plane creates it; the agent binds to it with exactly
 * these options. The ack wait is short because a pull left open by a killed agent may still take
 * a command; the agent reports progress (`working`) during long steps, and a command that waits
 * behind another of its VM past the ack wait is delivered again to the agent holding it, which
 * lets the first delivery answer it.
 */
export function commandConsumer(host: string): WorkQueueOptions {
  return { consumer: consumerName(host), filterSubject: hvxSubjects.command(host), ackWaitMs: 5000, maxInFlight: COMMANDS_IN_FLIGHT };
}

// ------------------------------------------------------------------ commands

const strict = { additionalProperties: false } as const;
const Vm = { vmId: Token };
const cmd = <K extends string, P extends Record<string, typeof Token | typeof VmSpecSchema>>(kind: K, props: P) =>
  Type.Object({ id: Token, host: Token, issuedAt: Type.Integer({ minimum: 0 }), kind: Type.Literal(kind), ...props }, strict);

export const CommandSchema = Type.Union([
  cmd('define', { spec: VmSpecSchema }),
  cmd('undefine', Vm),
  cmd('start', Vm),
  cmd('shutdown', Vm),
  cmd('powerOff', Vm),
  cmd('restart', Vm),
  cmd('snapshot', Vm),
]);

/** What a command asks of the host. */
export type CommandAction =
  | { readonly kind: 'define'; readonly spec: VmSpec }
  | { readonly kind: 'undefine' | 'start' | 'shutdown' | 'powerOff' | 'restart' | 'snapshot'; readonly vmId: string };

/** One command to one host. `id` is its idempotency key: the same id is applied once. */
export type HvxCommand = { readonly id: string; readonly host: string; readonly issuedAt: number } & CommandAction;
export type CommandKind = HvxCommand['kind'];

// What the schema accepts is an HvxCommand.
const _schemaFits: [Static<typeof CommandSchema>] extends [HvxCommand] ? true : false = true;

/** Decodes and checks a command for `host`. DECODE_FAILED (not msgpack), INVALID_ARGUMENT (wrong shape), PERMISSION_DENIED (for another host). */
export function readCommand(host: string, bytes: Uint8Array): HvxCommand {
  const c: HvxCommand = fits(CommandSchema, decode(bytes));
  if (c.host !== host) {
    throw new RavelError('PERMISSION_DENIED', `command ${c.id} is addressed to host ${c.host}, not ${host}`, { details: { command: c.id } });
  }
  return c;
}

export const writeCommand = (c: HvxCommand): Uint8Array => encode(fits(CommandSchema, c));

// ------------------------------------------------------------------ results, status, heartbeats

const VmStateSchema = Type.Union([
  Type.Literal('stopped'),
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('stopping'),
  Type.Literal('failed'),
]);
const Resources = Type.Object({ cpus: Type.Integer({ minimum: 0 }), memoryMb: Type.Integer({ minimum: 0 }) }, strict);

const ResultValue = Type.Union([
  Type.Object({ kind: Type.Literal('vm'), vmId: Token, state: Type.Union([VmStateSchema, Type.Literal('undefined')]) }, strict),
  Type.Object(
    {
      kind: Type.Literal('snapshot'),
      vmId: Token,
      disks: Type.Array(Type.Object({ diskId: Token, image: Token, version: Token, blocks: Type.Integer({ minimum: 0 }) }, strict)),
    },
    strict,
  ),
]);

const WireErrorSchema = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  strict,
);

export const ResultSchema = Type.Union([
  Type.Object({ commandId: Token, host: Token, at: Type.Integer(), ok: Type.Literal(true), value: ResultValue }, strict),
  Type.Object({ commandId: Token, host: Token, at: Type.Integer(), ok: Type.Literal(false), error: WireErrorSchema }, strict),
]);

/** What became of a command; a retried command is answered with its first result. */
export type CommandResult =
  | { readonly commandId: string; readonly host: string; readonly at: number; readonly ok: true; readonly value: Static<typeof ResultValue> }
  | { readonly commandId: string; readonly host: string; readonly at: number; readonly ok: false; readonly error: WireError };

export const StatusSchema = Type.Object(
  { host: Token, vmId: Token, state: VmStateSchema, at: Type.Integer(), reason: Type.Optional(Type.String({ maxLength: 256 })) },
  strict,
);
export type VmStatus = Static<typeof StatusSchema>;

export const HeartbeatSchema = Type.Object(
  {
    host: Token,
    seq: Type.Integer({ minimum: 0 }),
    at: Type.Integer(),
    driver: Type.String({ maxLength: 32 }),
    capacity: Type.Object({ total: Resources, used: Resources, vms: Type.Integer({ minimum: 0 }) }, strict),
    vms: Type.Array(Type.Object({ id: Token, state: VmStateSchema, since: Type.Integer() }, strict)),
  },
  strict,
);
export type Heartbeat = Static<typeof HeartbeatSchema>;

/** Reads what an agent sent on one of its subjects; the sender's host must be the subject's. */
function readFrom<T extends { host: string }>(schema: Parameters<typeof fits>[0], subjectHost: string, bytes: Uint8Array): T {
  const v = fits(schema, decode(bytes)) as T;
  if (v.host !== subjectHost) {
    throw new RavelError('PERMISSION_DENIED', `message from host ${v.host} on the subject of host ${subjectHost}`);
  }
  return v;
}

export const readResult = (host: string, b: Uint8Array): CommandResult => readFrom(ResultSchema, host, b);
export const readStatus = (host: string, b: Uint8Array): VmStatus => readFrom(StatusSchema, host, b);
export const readHeartbeat = (host: string, b: Uint8Array): Heartbeat => readFrom(HeartbeatSchema, host, b);
export const writeResult = (r: CommandResult): Uint8Array => encode(r);
export const writeStatus = (s: VmStatus): Uint8Array => encode(s);
export const writeHeartbeat = (h: Heartbeat): Uint8Array => encode(h);

/** The host token of an `hvx.<kind>.<host>` subject. */
export function hostOfSubject(subject: string): string {
  const host = subject.split('.')[2];
  if (host === undefined) throw new RavelError('SUBJECT_INVALID', `${subject} is not an hvx subject`);
  return host;
}
