import ipaddr from 'ipaddr.js';
import type { TrustedProxies } from '../edge/config';

/**
 * Who is on the other end of a request, for throttling and the audit trail. X-Forwarded-For
 * is written by whoever sent the request, so only the entries appended by proxies we trust
 * mean anything: the walk starts at the socket and moves left one entry per trusted hop. The
 * first address not vouched for by a trusted hop is the client, however many addresses the
 * client itself prepended.
 */
export function clientAddress(
  socketAddress: string | null | undefined,
  xForwardedFor: string | null | undefined,
  trusted: TrustedProxies,
): string | null {
  const socket = parseAddress(socketAddress);
  if (!socket) return null;
  if (trusted.kind === 'none') return socket.toString();

  // Several X-Forwarded-For headers arrive joined with ", " (Node and fetch both do this).
  const chain = (xForwardedFor ?? '').split(',');
  let hop = socket;
  for (let walked = 0; chain.length > 0; walked++) {
    const vouches = trusted.kind === 'hops' ? walked < trusted.count : isTrustedHop(hop, trusted.ranges);
    if (!vouches) break;
    const next = parseAddress(chain.pop());
    // A trusted proxy never writes garbage, so garbage means the chain cannot be followed
    // further: stop at the last address we know is real rather than guess past it.
    if (!next) break;
    hop = next;
  }
  return hop.toString();
}

/**
 * Whether the socket peer is one of our proxies, so its other X-Forwarded-* headers (host,
 * scheme) may be believed. With a hop count, the peer is by definition the nearest proxy.
 */
export function isTrustedPeer(socketAddress: string | null | undefined, trusted: TrustedProxies): boolean {
  if (trusted.kind === 'none') return false;
  const peer = parseAddress(socketAddress);
  if (!peer) return false;
  return trusted.kind === 'hops' ? trusted.count > 0 : isTrustedHop(peer, trusted.ranges);
}

/**
 * The bucket an address is counted in. One IPv6 subscriber usually gets a whole /64 (and
 * picks a new address in it at will), so IPv6 is counted per /64; IPv4 per address. Anything
 * unknown shares one bucket rather than escaping the count.
 */
export function addressKey(ip: string | null | undefined): string {
  const address = parseAddress(ip);
  if (!address) return 'unknown';
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).concat([0, 0, 0, 0]);
  return `${new ipaddr.IPv6(parts).toString()}/64`;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * A single address in its one canonical form, or null. Accepts what proxies actually write:
 * surrounding spaces, a port (1.2.3.4:80, [::1]:443), brackets, IPv4-mapped IPv6
 * (::ffff:127.0.0.2 is 127.0.0.2, so one client cannot be counted twice). Refuses the
 * legacy IPv4 spellings (127.1, 0x7f.0.0.1, 010.0.0.1) that would let one address pass as
 * many, and drops IPv6 zone ids, which a client could vary at will.
 */
function parseAddress(raw: string | null | undefined): Address | null {
  if (!raw) return null;
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));

  let address: Address;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) address = ipaddr.IPv4.parse(text);
  else if (text.includes(':') && ipaddr.IPv6.isValid(text)) address = ipaddr.IPv6.parse(text);
  else return null;

  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
    return new ipaddr.IPv6(v6.parts);
  }
  return address;
}

type Range = [Address, number];
const parsedRanges = new WeakMap<readonly string[], Range[]>();

/** The configured ranges, parsed once per configuration (config.ts has checked their syntax). */
function rangesOf(list: readonly string[]): Range[] {
  let ranges = parsedRanges.get(list);
  if (!ranges) {
    ranges = list.flatMap((entry): Range[] => {
      const [text, bits] = entry.split('/');
      const address = parseAddress(text);
      if (!address) return [];
      const max = address.kind() === 'ipv4' ? 32 : 128;
      // A mapped range (::ffff:10.0.0.0/104) becomes the IPv4 range it stands for.
      const width =
        bits === undefined
          ? max
          : address.kind() === 'ipv4' && text!.includes(':')
            ? Number(bits) - 96
            : Number(bits);
      return width >= 0 && width <= max ? [[address, width]] : [];
    });
    parsedRanges.set(list, ranges);
  }
  return ranges;
}

function isTrustedHop(hop: Address, list: readonly string[]): boolean {
  return rangesOf(list).some(([range, bits]) => range.kind() === hop.kind() && hop.match(range, bits));
}
