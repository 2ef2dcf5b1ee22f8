/**
 * The control plane's side of a host's queue: the streams, and the host's durable consumer,
 * made before the agent first connects (an agent's credentials may not create them).
 */
import type { Bus } from '../bus/bus.ts';
import { commandConsumer, commandStream, COMMAND_STREAM, eventStream, writeCommand, hvxSubjects, type HvxCommand } from './protocol.ts';

export async function ensureHvxStreams(bus: Bus, replicas?: number): Promise<void> {
  const r = replicas === undefined ? {} : { replicas };
  await bus.streams.ensure({ ...commandStream, ...r });
  await bus.streams.ensure({ ...eventStream, ...r });
}

/**
 * Makes the host's durable consumer through the Bus seam (which has no create-only call): it
 * binds once and lets go. Done when the host is rented, before any command is sent to it; a
 * command that is already there is handed back at once (nak) for the agent.
 */
export async function provisionHost(bus: Bus, host: string): Promise<void> {
  const c = await bus.streams.consume(COMMAND_STREAM, commandConsumer(host), (m) => m.nak());
  await c.stop();
}

/** Stores a command on the host's queue. Publishing the same id twice within the stream's window stores it once. */
export async function sendCommand(bus: Bus, command: HvxCommand, options: { dedupe?: boolean } = {}): Promise<number> {
  const ack = await bus.streams.publish(hvxSubjects.command(command.host), writeCommand(command), options.dedupe === false ? {} : { msgId: command.id });
  return ack.seq;
}
