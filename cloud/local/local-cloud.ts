/**
 * A cloud of hosts started here: each rent makes the host's durable consumer, starts its agent
 * through the launcher, and resolves at its first heartbeat. Hosts are named as the request asks
 * (renting a name already rented answers that host), else `<region>-<n>`; a region rents at
 * most its configured number.
 */
import type { Bus } from '../../bus/bus.ts';
import type { Clock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { provisionHost } from '../../hvx/host-provisioning.ts';
import { hostOfSubject, hvxSubjects } from '../../hvx/protocol.ts';
import type { CloudProvider, RegionInfo, RentRequest, RentedHost } from '../cloud-provider.ts';
import { hostPrice } from '../regions.ts';
import type { HostLauncher, LaunchedHost } from './host-launcher.ts';

export interface LocalCloudOptions {
  readonly regions: readonly RegionInfo[];
  /** The control plane's bus: consumers are made and first heartbeats awaited on it. */
  readonly bus: Bus;
  readonly launcher: HostLauncher;
  readonly clock: Clock;
  /** How long a started agent may take to send its first heartbeat. Default 30 s. */
  readonly upTimeoutMs?: number;
}

interface Rental {
  readonly host: RentedHost;
  readonly requestId: string;
  readonly launched: LaunchedHost;
}

export class LocalCloud implements CloudProvider {
  private readonly rentals = new Map<string, Rental>();
  private readonly byRequest = new Map<string, Promise<RentedHost>>();
  /** Hosts being started, by id, with their region: they count against its limit. */
  private readonly starting = new Map<string, string>();
  private serial = 0;
  private closed = false;

  constructor(private readonly o: LocalCloudOptions) {}

  regions(): readonly RegionInfo[] {
    return this.o.regions;
  }

  rent(request: RentRequest): Promise<RentedHost> {
    if (this.closed) return Promise.reject(new RavelError('CLOSED', 'the cloud is closed'));
    const known = this.byRequest.get(request.requestId);
    if (known !== undefined) return known;
    const p = this.rentNew(request);
    this.byRequest.set(request.requestId, p);
    p.catch(() => this.byRequest.delete(request.requestId));
    return p;
  }

  async release(hostId: string): Promise<void> {
    const r = this.rentals.get(hostId);
    if (r === undefined) return;
    this.rentals.delete(hostId);
    this.byRequest.delete(r.requestId);
    await r.launched.stop();
  }

  list(region?: string): readonly RentedHost[] {
    return [...this.rentals.values()]
      .map((r) => r.host)
      .filter((h) => region === undefined || h.region === region);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.rentals.keys()].map((h) => this.release(h)));
  }

  private async rentNew(request: RentRequest): Promise<RentedHost> {
    if (typeof request.requestId !== 'string' || request.requestId === '')
      throw new RavelError('INVALID_ARGUMENT', 'rent needs a requestId');
    const region = this.o.regions.find((r) => r.name === request.region);
    if (region === undefined)
      throw new RavelError('NOT_FOUND', `no region ${request.region}`, {
        details: { region: request.region },
      });
    if (request.name !== undefined && !/^[A-Za-z0-9_-]{1,48}$/.test(request.name))
      throw new RavelError('INVALID_ARGUMENT', `bad host name ${JSON.stringify(request.name)}`, { details: { field: 'name' } });
    const id = request.name ?? `${region.name}-${this.serial + 1}`;
    const rented = this.rentals.get(id);
    if (rented !== undefined) return rented.host;
    if (this.starting.has(id)) throw new RavelError('CONFLICT', `host ${id} is being rented by another request`);
    if (this.list(region.name).length + this.pending(region.name) >= region.maxHosts) {
      throw new RavelError(
        'QUOTA_EXCEEDED',
        `region ${region.name} has no more hosts (${region.maxHosts})`,
      );
    }
    if (request.name === undefined) this.serial++;
    this.starting.set(id, region.name);
    try {
      await provisionHost(this.o.bus, id);
      const up = this.firstHeartbeat(id);
      const launched = await this.o.launcher.launch(id, region.hostSize);
      try {
        await up;
      } catch (e) {
        await launched.stop();
        throw e;
      }
      const host: RentedHost = {
        id,
        region: region.name,
        size: region.hostSize,
        pricePerHour: hostPrice(region),
        rentedAt: this.o.clock.now(),
      };
      this.rentals.set(id, { host, requestId: request.requestId, launched });
      return host;
    } finally {
      this.starting.delete(id);
    }
  }

  private pending(region: string): number {
    return [...this.starting.values()].filter((r) => r === region).length;
  }

  private firstHeartbeat(host: string): Promise<void> {
    const ms = this.o.upTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        void sub.unsubscribe();
        reject(new RavelError('UNAVAILABLE', `host ${host} sent no heartbeat within ${ms} ms`));
      }, ms);
      const sub = this.o.bus.subscribe(hvxSubjects.heartbeat(host), (m) => {
        if (hostOfSubject(m.subject) !== host) return;
        this.o.clock.clearTimeout(timer);
        void sub.unsubscribe();
        resolve();
      });
    });
  }
}
