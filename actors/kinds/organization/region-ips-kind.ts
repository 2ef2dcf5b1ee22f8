/**
 * `region-ips`: one region's public addresses (domain/network/region-addresses.ts), one actor
 * per region, so an address is never handed out twice. Elastic IPs take and return addresses
 * here; published services will take theirs from the same actor so the two never collide.
 * The regions and their public CIDRs come from the configuration, passed to the kind.
 */
import { Type } from '@sinclair/typebox';
import { match } from 'ts-pattern';
import { RavelError } from '../../../core/errors.ts';
import { Ipv4, parseInput } from '../../../domain/schemas/index.ts';
import { regionAddresses, releaseAddress, takeAddress, withKeys, type RegionAddresses } from '../../../domain/network/region-addresses.ts';
import { defineActorKind, type ActorRef } from '../../actor-kind.ts';

/** Region name to its public CIDR. */
export type RegionCidrs = Readonly<Record<string, string>>;

// `key`: who holds the address (domain/network/region-addresses.ts): a take with the key of an
// address held answers it, only that key's release frees it, and the release forgets the key.
const HolderKey = Type.String({ minLength: 1, maxLength: 200 });
const RegionIpsMsgSchema = Type.Union([
  Type.Object({ type: Type.Literal('take'), key: Type.Optional(HolderKey) }),
  Type.Object({ type: Type.Literal('release'), ip: Ipv4, key: Type.Optional(HolderKey) }),
]);
export type RegionIpsMsg = { readonly type: 'take'; readonly key?: string } | { readonly type: 'release'; readonly ip: string; readonly key?: string };

export function regionIpsRef(region: string): ActorRef {
  return { kind: 'region-ips', id: region };
}

export function regionIpsKind(regions: RegionCidrs) {
  const initial = (id: string): RegionAddresses | null => {
    const cidr = Object.hasOwn(regions, id) ? regions[id] : undefined;
    return cidr === undefined ? null : regionAddresses(id, cidr);
  };
  return defineActorKind<RegionAddresses | null, RegionIpsMsg, string | null>({
    name: 'region-ips',
    schemaVersion: 1,
    initialState: initial,
    decodeMessage: (raw) => parseInput(RegionIpsMsgSchema, raw),
    decodeState(stored) {
      const s = stored as RegionAddresses | null;
      if (s !== null && (typeof s.region !== 'string' || typeof s.pool !== 'object' || (s.keys !== undefined && typeof s.keys !== 'object'))) throw new RavelError('CORRUPT', 'bad region addresses');
      return s === null ? s : withKeys(s);
    },
    handle(ctx, msg) {
      const r = ctx.state;
      if (r === null) throw new RavelError('NOT_FOUND', `no region ${ctx.self.id}`, { details: { field: 'location' } });
      return match(msg)
        .with({ type: 'take' }, ({ key }) => {
          const t = takeAddress(r, key);
          ctx.setState(t.addresses);
          return t.ip;
        })
        .with({ type: 'release' }, ({ ip, key }) => {
          ctx.setState(releaseAddress(r, ip, key));
          return null;
        })
        .exhaustive();
    },
  });
}
