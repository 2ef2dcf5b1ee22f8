/**
 * What an HVX host's NATS user may do, derived from the protocol: publish its own heartbeats,
 * states and results, pull from and acknowledge its own durable consumer, and receive replies
 * only on its own inbox prefix. The harness (and a real server's config) writes these.
 */
import { COMMAND_STREAM, consumerName, hvxSubjects } from './protocol.ts';

export interface HostPermissions {
  readonly publish: { readonly allow: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

/**
 * `imageSubjects`: what the host may ask the image service (its block reads and snapshot
 * writes, e.g. `images.info`, `images.versions`, `images.read`, `images.open`, `images.writer.*.*`).
 */
export function hostPermissions(host: string, imageSubjects: readonly string[] = []): HostPermissions {
  const consumer = `${COMMAND_STREAM}.${consumerName(host)}`;
  return {
    publish: {
      allow: [
        hvxSubjects.heartbeat(host),
        hvxSubjects.status(host),
        hvxSubjects.result(host),
        // The client checks that JetStream is there, then binds to its consumer and pulls from it.
        '$JS.API.INFO',
        `$JS.API.CONSUMER.INFO.${consumer}`,
        `$JS.API.CONSUMER.MSG.NEXT.${consumer}`,
        `$JS.ACK.${consumer}.>`,
        ...imageSubjects,
      ],
    },
    subscribe: { allow: [`${hvxSubjects.inboxPrefix(host)}.>`, hvxSubjects.command(host)] },
  };
}

/** The image-service subjects an agent uses with the default prefix `images`. */
export const agentImageSubjects = ['images.info', 'images.versions', 'images.read', 'images.open', 'images.writer.*.*'] as const;

/** The NATS user name of a host. */
export const hostUser = (host: string): string => `hvx-${host}`;
