/**
 * Which addresses the broker may push to. A receiver chooses the URL and the Authorization
 * header the broker sends there, so a URL naming an internal service would make the broker a
 * request forger into its own network. Addresses fall in four classes:
 * - never: unspecified, link-local (169.254/16, fe80::/10, where clouds answer with instance
 *   metadata), the metadata services outside it, multicast, broadcast and reserved ranges;
 * - loopback (127/8, ::1, `localhost`): only for a broker whose own issuer is loopback (a
 *   developer's machine, the demo) or when private targets are allowed;
 * - private: RFC 1918, CGNAT 100.64/10 (RFC 6598), benchmarking 198.18/15, IETF 192.0.0/24,
 *   unique-local fc00::/7 (RFC 4193), site-local fec0::/10, Teredo and NAT64 local-use
 *   prefixes: only with STS_SSF_PRIVATE_PUSH_TARGETS;
 * - public: the rest.
 * An IPv6 address that carries an IPv4 one (mapped ::ffff:0:0/96, translated ::ffff:0:0:0/96,
 * compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address inside.
 */
import { isIP } from 'node:net';
import type { SsfSettings } from './settings.js';

export type AddressClass = 'never' | 'loopback' | 'private' | 'public';

export interface PushTargetPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
/** Instance metadata services outside the link-local range (Alibaba Cloud; AWS over IPv6). */
const METADATA_IPV4 = new Set(['100.100.100.200']);
const METADATA_IPV6 = [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]; // fd00:ec2::254

export function pushTargetPolicy(issuer: string, settings: Pick<SsfSettings, 'privatePushTargets'>): PushTargetPolicy {
  const issuerHost = new URL(issuer).hostname;
  return { allowPrivate: settings.privatePushTargets, allowLoopback: settings.privatePushTargets || classifyHost(issuerHost) === 'loopback' };
}

/** Whether the broker may connect to this host (a literal address, or a name: only its well-known meaning is judged here). */
export function pushHostAllowed(hostname: string, policy: PushTargetPolicy): boolean {
  const kind = classifyHost(hostname);
  if (kind === 'never') return false;
  if (kind === 'loopback') return policy.allowLoopback;
  if (kind === 'private') return policy.allowPrivate;
  return true;
}

/** A URL host (`[v6]` bracketed or not) or a resolved address; a name that is not special is `public` until resolved. */
export function classifyHost(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_NAMES.has(host)) return 'never';
  // RFC 6761 §6.3: localhost names are the loopback interface.
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const version = isIP(host);
  if (version === 4) return classifyIpv4(host.split('.').map(Number));
  if (version === 6) {
    const groups = ipv6Groups(host);
    return groups ? classifyIpv6(groups) : 'never'; // an address we cannot read is not posted to
  }
  return 'public';
}

function classifyIpv4(o: number[]): AddressClass {
  const [a = 0, b = 0, c = 0] = o;
  const text = o.join('.');
  if (a === 0 || (a === 169 && b === 254) || a >= 224 || METADATA_IPV4.has(text)) return 'never';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if ((a === 198 && (b === 18 || b === 19)) || (a === 192 && b === 0 && c === 0)) return 'private';
  return 'public';
}

function classifyIpv6(g: number[]): AddressClass {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const v4 = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff];
  const [g0 = 0, g1 = 0, g2 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = [g[0], g[1], g[2], g[4], g[5], g[6], g[7]];
  if (zeros(0, 8)) return 'never';
  if (zeros(0, 7) && g7 === 1) return 'loopback';
  if (zeros(0, 5) && g5 === 0xffff) return classifyIpv4(v4(g6, g7)); // mapped
  if (zeros(0, 4) && g4 === 0xffff && g5 === 0) return classifyIpv4(v4(g6, g7)); // translated (RFC 2765)
  if (zeros(0, 6)) return classifyIpv4(v4(g6, g7)); // compatible (deprecated, RFC 4291 §2.5.5.1)
  if (g0 === 0x64 && g1 === 0xff9b && zeros(2, 6)) return classifyIpv4(v4(g6, g7)); // NAT64 (RFC 6052)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // NAT64 local use (RFC 8215)
  if (g0 === 0x2002) return classifyIpv4(v4(g1, g2)); // 6to4 (RFC 3056)
  if (g0 === 0x2001 && g1 === 0) return 'private'; // Teredo (RFC 4380): reaches an address behind a NAT
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xff00) === 0xff00 || g.every((x, i) => x === METADATA_IPV6[i])) return 'never';
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfec0) return 'private';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (a zone is ignored; a dotted IPv4 tail is read). */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/%.*$/, '');
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const o = (dotted[2] as string).split('.').map(Number);
    if (o.some((x) => x > 255)) return null;
    text = `${dotted[1]}${(((o[0] as number) << 8) | (o[1] as number)).toString(16)}:${(((o[2] as number) << 8) | (o[3] as number)).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((x) => !/^[0-9a-f]{1,4}$/i.test(x))) return null;
  return groups.map((x) => parseInt(x, 16));
}
