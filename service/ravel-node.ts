/**
 * One Ravel node: the components its roles name, built on the grid and bus of its mode, started
 * in dependency order and stopped in reverse. `ravel node` and the end-to-end tests use this;
 * nothing else composes the service.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RavelError } from '../core/errors.ts';
import type { RavelConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { createGrid } from '../grid/create-grid.ts';
import { createBus } from '../bus/create-bus.ts';
import type { Grid } from '../grid/grid.ts';
import type { Bus } from '../bus/bus.ts';
import { ActorSystem } from '../actors/runtime/actor-system.ts';
import { ActorClient } from '../actors/runtime/actor-client.ts';
import type { ActorSender } from '../actors/actor-kind.ts';
import { controlKinds } from '../control/control-kinds.ts';
import { ControlPlaneImpl } from '../control/control-plane-impl.ts';
import type { ControlPlane } from '../control/control-plane.ts';
import { BusTenantEventLog, eventRetention } from '../events/bus-tenant-event-log.ts';
import { TenantLiveEvents } from '../events/live-event-source.ts';
import { openLmdbBlockStore } from '../storage-engine/lmdb/lmdb-block-store.ts';
import { LocalImageService } from '../storage-engine/image-service/local-image-service.ts';
import { ImageServer } from '../storage-engine/image-service/image-server.ts';
import { createGateway } from '../gateway/create-gateway.ts';
import { renderActorMetrics } from '../gateway/ops/actor-series.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { ControlAuthenticator } from '../gateway/auth/control-authenticator.ts';
import { CredentialInvalidations } from '../gateway/auth/credential-invalidation.ts';
import { OperatorTokens, type OperatorToken } from '../gateway/auth/operator-tokens.ts';
import { apiRoutes } from '../gateway/api/routes.ts';
import { controlSnapshots } from '../gateway/live/control-snapshots.ts';
import { placementRegion, regionCidrs } from './regions.ts';
import { HvxBridge } from '../hvx/bridge/hvx-bridge.ts';
import type { CloudProvider } from '../cloud/cloud-provider.ts';
import { startEmbeddedCloud } from './embedded-fleet.ts';
import type { SimTiming } from '../hvx/drivers/sim/sim-options.ts';
import type { StreamEndpoint } from '../gateway/gateway.ts';
import { createUploads, localImporter } from '../gateway/uploads/uploads.ts';
import { fileUploadJournal } from '../gateway/uploads/upload-journal.ts';
import { diskImageEndpoint } from '../gateway/disk-images/disk-image-endpoint.ts';
import { libraryLocator, registeringImporter } from '../gateway/disk-images/library-disk-images.ts';
import { ImageServiceClient } from '../storage-engine/image-service/image-client.ts';

export interface RavelNode {
  readonly nodeId: string;
  readonly config: RavelConfig;
  readonly control: ControlPlane;
  /** Present when this node has the gateway role. */
  readonly gateway: Gateway | undefined;
  /** Stops every component, in reverse order of start. */
  close(): Promise<void>;
  /** Stops as a crash would (tests): the actors halt without handing their shards over, then the rest closes. */
  crash(): Promise<void>;
  /** The actors of this node, when it has the actors role (tests read shard ownership). */
  readonly system: ActorSystem | undefined;
}

export interface NodeDeps {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where regions rent hosts; default: an in-process sim fleet in embedded mode, none in cluster mode. */
  readonly cloud?: CloudProvider;
  /** The embedded fleet's boot and shutdown times (benchmarks fix them); default: the sim driver's. */
  readonly simTiming?: SimTiming;
  /** Operator credentials the gateway accepts (`ravel admin ...`); none by default. */
  readonly operatorTokens?: readonly OperatorToken[];
}

export async function startRavelNode(config: RavelConfig, deps: NodeDeps): Promise<RavelNode> {
  const { clock, log, nodeId } = deps;
  const stops: Array<() => Promise<void>> = [];
  // Once, in the reverse of the start order: a close after a crash (or a second close) waits for
  // the first instead of stopping every component again, in the start order (reverse() flips the
  // array itself), which hung a test's cleanup on a crashed node.
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const stop of [...stops].reverse()) {
        try {
          await stop();
        } catch (err) {
          log.warn({ err }, 'stopping a component failed');
        }
      }
    })());
  try {
    const grid: Grid = await createGrid(config, clock);
    stops.push(() => grid.close());
    const bus: Bus = await createBus(config, clock);
    stops.push(() => bus.close());
    const events = new BusTenantEventLog(bus, eventRetention(config.events));
    const regions = regionCidrs(config);

    let cloud = deps.cloud;
    if (cloud === undefined && config.mode === 'embedded' && config.roles.includes('actors')) {
      const embedded = await startEmbeddedCloud({ bus, clock, log, regions: config.regions, heartbeatMs: config.hosts.heartbeatMs, ...(deps.simTiming === undefined ? {} : { timing: deps.simTiming }) });
      stops.push(() => embedded.stop());
      cloud = embedded.cloud;
    }
    const deployment = {
      regions: config.regions.map(placementRegion),
      bus,
      hosts: { deadAfterMs: config.hosts.deadAfterMs, releaseIdleAfterMs: config.hosts.releaseIdleAfterMs },
      ...(cloud === undefined ? {} : { cloud }),
    };
    // The library reaches the image store over the bus, wherever the storage role runs.
    const kinds = controlKinds({ events, regions, library: { images: new ImageServiceClient(bus) }, deployment });
    let sender: ActorSender;
    let system: ActorSystem | undefined;
    if (config.roles.includes('actors')) {
      system = new ActorSystem({ nodeId, grid, bus, clock, config: config.actors, log, replicas: config.nats.replicas });
      for (const kind of kinds) system.register(kind);
      await system.start();
      const s = system;
      stops.push(() => s.stop());
      sender = system;
    } else {
      // A node without actors (a gateway alone) sends to the nodes that have them.
      const client = new ActorClient({ bus, clock, shards: config.actors.shards, askTimeoutMs: config.actors.askTimeoutMs });
      for (const kind of kinds) client.register(kind);
      sender = client;
    }
    const control = new ControlPlaneImpl({ actors: sender, events, clock, regions: Object.keys(regions) });

    if (config.roles.includes('actors')) {
      // Host reports (heartbeats, VM states, command results) reach the actors through the bridge.
      const bridge = new HvxBridge({ bus, actors: sender, clock, log });
      await bridge.start();
      stops.push(() => bridge.stop());
    }

    const streams: StreamEndpoint[] = [];
    if (config.roles.includes('storage')) {
      const store = await openLmdbBlockStore({ path: join(config.dataDir, 'blocks'), clock });
      stops.push(() => store.close());
      // Reconciled with the store at start: a crash between an import's commit and its record leaves an orphan disk.
      const images = await LocalImageService.open({ store, catalogPath: join(config.dataDir, 'image-catalog'), clock });
      const server = await new ImageServer(bus, images, { storeId: storeIdentity(config.dataDir) }).start();
      stops.push(() => server.close());
      // Uploads ingest into this node's store: only a node with the gateway role too takes them.
      if (config.roles.includes('gateway')) {
        // Uploads in progress outlive a restart: their records in uploads/, their ingests in the store.
        const journal = fileUploadJournal(join(config.dataDir, 'uploads'));
        const uploads = createUploads({ clock, log, importer: registeringImporter(localImporter(images, store), control), journal });
        await uploads.registry.restore();
        stops.push(() => uploads.close());
        streams.push(uploads.endpoint, diskImageEndpoint(images, { locate: libraryLocator(control) }));
      }
    }

    let gateway: Gateway | undefined;
    if (config.roles.includes('gateway')) {
      // Credential drops go to and come from every other gateway over the bus (credential-invalidation.ts).
      const invalidations = new CredentialInvalidations(bus, (err) => log.warn({ err }, 'credential drop not announced; the others trust it 1 s at most'));
      const authenticator = new ControlAuthenticator(control, () => clock.now(), new OperatorTokens(deps.operatorTokens ?? []), 1000, invalidations);
      const heard = authenticator.listen();
      if (heard !== undefined) stops.push(() => heard.unsubscribe());
      const actorsHere = system;
      gateway = await createGateway({
        config,
        clock,
        log,
        authenticator,
        routes: apiRoutes(control),
        streams,
        events: new TenantLiveEvents(bus, events, log),
        snapshots: controlSnapshots(control, clock),
        readiness: [
          { name: 'grid', check: () => grid.ping() },
          { name: 'bus', check: () => bus.flush() },
        ],
        metrics: actorsHere === undefined ? [] : [() => renderActorMetrics(actorsHere.metrics())],
      });
      const g = gateway;
      stops.push(() => g.close());
    }
    const halted = system;
    const crash = async (): Promise<void> => {
      await halted?.halt();
      await stopAll();
    };
    return { nodeId, config, control, gateway, close: stopAll, crash, system };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** This store's identity, made once and kept beside its blocks, so a second store on the bus is noticed. */
function storeIdentity(dataDir: string): string {
  const path = join(dataDir, 'store-id');
  if (existsSync(path)) {
    const id = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{16}$/.test(id)) return id;
    throw new RavelError('CONFIG_INVALID', `${path} does not hold a store id`);
  }
  mkdirSync(dataDir, { recursive: true });
  const id = randomBytes(8).toString('hex');
  writeFileSync(path, `${id}\n`, { flag: 'wx' });
  return id;
}
