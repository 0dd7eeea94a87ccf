import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { DeliveryChannel } from '@callwatch/schemas';
import { deliveryError } from './delivery-error';

// The setting that lets a notification reach an address the guard refuses by default; refusals name it.
const ALLOW_TARGETS_VARIABLE = 'NOTIFY_ALLOW_TARGETS';

// What a rule's URL may not reach unless allow-listed: the notifier's own host and network, and the cloud metadata
// service that hands out its credentials. The first matching range names the reason, so metadata comes before
// the link-local and unique-local ranges that contain it. IPv4-mapped IPv6 (::ffff:a.b.c.d) matches the IPv4 ranges.
const FORBIDDEN: ReadonlyArray<readonly [reason: string, network: string, prefix: number]> = [
  ['cloud metadata', '169.254.169.254', 32],
  ['cloud metadata', 'fd00:ec2::254', 128],
  ['unspecified', '0.0.0.0', 8],
  ['private (RFC 1918)', '10.0.0.0', 8],
  ['carrier-grade NAT', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private (RFC 1918)', '172.16.0.0', 12],
  ['private (RFC 1918)', '192.168.0.0', 16],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['unique local (private)', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['multicast', 'ff00::', 8],
];

const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

const FORBIDDEN_LISTS = FORBIDDEN.map(([reason, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family(network));
  return { reason, list };
});

/** forbiddenReason says why an IP address may not be notified by default (`loopback`, `cloud metadata`, …), or undefined when it may. */
export function forbiddenReason(address: string): string | undefined {
  return FORBIDDEN_LISTS.find(({ list }) => list.check(address, family(address)))?.reason;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * parseAllowTargets reads NOTIFY_ALLOW_TARGETS: comma-separated CIDRs (10.0.0.0/8, fd00::/8), single addresses and
 * host names; it throws an Error naming the first entry that is none of those.
 */
export function parseAllowTargets(raw: string): string[] {
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [network = '', prefix, ...rest] = entry.split('/');
    const bits = isIP(network) === 6 ? 128 : 32;
    const cidr = isIP(network) !== 0 && rest.length === 0 && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits));
    if (!cidr && !HOSTNAME.test(entry)) throw new Error(`expected CIDRs, addresses or host names separated by commas, got "${entry}"`);
  }
  return entries;
}

/** TargetGuard resolves the host of a URL once and checks every address it resolves to before anything connects. */
export interface TargetGuard {
  /** resolve returns the address to connect to, or throws CW_ERR_DELIVERY_REJECTED naming a refused address (CW_ERR_DELIVERY when DNS fails). */
  resolve(url: URL, channel: DeliveryChannel): Promise<{ address: string; family: 4 | 6 }>;
}

/**
 * createTargetGuard refuses loopback, private, link-local, CGNAT, unspecified, multicast and cloud metadata
 * addresses unless `allow` (NOTIFY_ALLOW_TARGETS) names the address's network or the URL's host name.
 */
export function createTargetGuard(allow: readonly string[] = []): TargetGuard {
  const allowed = new BlockList();
  const allowedHosts = new Set<string>();
  for (const entry of allow) {
    const [network = '', prefix] = entry.split('/');
    if (isIP(network) === 0) allowedHosts.add(entry.toLowerCase().replace(/\.$/, ''));
    else if (prefix === undefined) allowed.addAddress(network, family(network));
    else allowed.addSubnet(network, Number(prefix), family(network));
  }
  return {
    async resolve(url, channel) {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
      let addresses: Array<{ address: string; family: number }>;
      if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
      else {
        try {
          addresses = await lookup(host, { all: true, verbatim: true });
        } catch (err) {
          throw deliveryError(channel, `could not resolve ${host}: ${(err as Error).message}`, true, { host }, err);
        }
      }
      // Every address is checked, not only the one used: a name that also resolves inward is refused whole.
      if (!allowedHosts.has(host.replace(/\.$/, ''))) {
        for (const { address } of addresses) {
          const reason = allowed.check(address, family(address)) ? undefined : forbiddenReason(address);
          if (reason) {
            throw deliveryError(channel, `refused to notify ${url.host}: it resolves to ${address}, a ${reason} address (allow it with ${ALLOW_TARGETS_VARIABLE})`, false, { host, address, reason });
          }
        }
      }
      const [first] = addresses;
      if (!first) throw deliveryError(channel, `could not resolve ${host}: no addresses`, true, { host });
      return { address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
}
