import dns from 'node:dns';
import net from 'node:net';
import type { Environment } from './access.js';

/**
 * Where webhooks may be sent. A subscription's URL is checked when it is created
 * (urlPolicyProblem) and again, with its host resolved, before every delivery
 * (deliveryTarget), so that neither a URL nor a later DNS answer can point a delivery at
 * this server's own network.
 */

/** The hosts a sandbox subscription may reach over plain http, for development. */
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

const maxUrlLength = 2048;

/** An address in dotted or colon form, as a number, with its family. */
function parseAddress(address: string): { family: 4 | 6; value: bigint } | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 4) return { family: 4, value: ipv4Value(bare) };
  if (family !== 6) return null;
  let text = bare.toLowerCase();
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (quad) {
    const v4 = ipv4Value(quad);
    text = `${text.slice(0, -quad.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return { family: 6, value: groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

interface Range {
  base: bigint;
  bits: number;
  name: string;
}

const range = (cidr: string, name: string): Range => {
  const [address = '', bits = ''] = cidr.split('/');
  return { base: (parseAddress(address) as { value: bigint }).value, bits: Number(bits), name };
};

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const ipv4Special: Range[] = [
  range('0.0.0.0/8', 'unspecified ("this network")'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved (IETF protocol assignments)'),
  range('192.0.2.0/24', 'reserved (documentation)'),
  range('192.88.99.0/24', 'reserved (6to4 relay)'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved (benchmarking)'),
  range('198.51.100.0/24', 'reserved (documentation)'),
  range('203.0.113.0/24', 'reserved (documentation)'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

/** IPv6: only global unicast (2000::/3) is public, less the special ranges inside it. */
const ipv6GlobalUnicast = range('2000::/3', 'global unicast');
const ipv6Special: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'reserved (site-local)'),
  range('ff00::/8', 'multicast'),
  range('2001::/23', 'reserved (IETF protocol assignments, Teredo)'),
  range('2001:db8::/32', 'reserved (documentation)'),
  range('2002::/16', 'reserved (6to4)'),
  range('3fff::/20', 'reserved (documentation)'),
];
const ipv4Mapped = range('::ffff:0:0/96', 'IPv4-mapped');

const inRange = (value: bigint, family: 4 | 6, r: Range) => {
  const shift = BigInt((family === 4 ? 32 : 128) - r.bits);
  return value >> shift === r.base >> shift;
};

/**
 * Why an IP address is not on the public internet ("loopback", "private", ...), or null when
 * it is. Anything that is not an IP address is refused too. IPv4-mapped IPv6 addresses are
 * judged as the IPv4 address they carry.
 */
export function nonPublicAddressReason(address: string): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return 'not an IP address';
  const { family, value } = parsed;
  if (family === 4) return ipv4Special.find((r) => inRange(value, 4, r))?.name ?? null;
  if (inRange(value, 6, ipv4Mapped)) return ipv4Special.find((r) => inRange(value & 0xffffffffn, 4, r))?.name ?? null;
  const special = ipv6Special.find((r) => inRange(value, 6, r));
  if (special) return special.name;
  return inRange(value, 6, ipv6GlobalUnicast) ? null : 'reserved';
}

/**
 * Why `value` cannot be a webhook URL for a subscription of this environment, or null if it
 * can. Production: https only, to a host that is neither localhost nor an IP literal outside
 * the public internet. Sandbox: the same, and also http (or https) on exactly localhost,
 * 127.0.0.1 or [::1], for development. Never credentials, a fragment, spaces or control
 * characters, or over 2048 characters.
 */
export function urlPolicyProblem(value: string, environment: Environment): string | null {
  if (value.length > maxUrlLength) return `must be at most ${maxUrlLength} characters`;
  // The URL parser drops these silently; the URL stored must be the URL delivered to.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f]/.test(value)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL, such as https://example.com/webhooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  // Checked on the text: an empty fragment ("/#") leaves url.hash empty.
  if (value.includes('#')) return 'must not contain a fragment (#...)';
  if (environment === 'sandbox' && loopbackHosts.has(url.hostname)) return null;
  if (url.protocol === 'http:') {
    return environment === 'sandbox'
      ? 'must use https (http is allowed only for localhost, 127.0.0.1 and [::1] in the sandbox)'
      : 'must use https';
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return environment === 'sandbox'
      ? 'must not point at localhost (except exactly localhost, 127.0.0.1 or [::1])'
      : 'must not point at localhost in production';
  }
  if (net.isIP(host.replace(/^\[|\]$/g, ''))) {
    const reason = nonPublicAddressReason(host);
    if (reason) return `must not point at a ${reason} address`;
  }
  return null;
}

/** The address a delivery connects to, so that it cannot be resolved differently after the check. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/** A host whose addresses are not (all) on the public internet. */
export class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

/**
 * Resolves a host name (or takes an IP literal, with or without brackets) and returns the
 * address to connect to, refusing the host if any address it resolves to is private,
 * loopback, link-local, unique-local, CGNAT, multicast, unspecified or reserved: a name that
 * answers with one public and one private address is refused, not half-trusted.
 */
export async function resolvePublicAddress(hostname: string): Promise<VettedAddress> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let answers: dns.LookupAddress[];
  try {
    answers = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new RefusedAddressError(
      `${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const first = answers[0];
  if (!first) throw new RefusedAddressError(`${host} resolved to no address`);
  for (const answer of answers) {
    const reason = nonPublicAddressReason(answer.address);
    if (reason) throw new RefusedAddressError(`${host} resolves to ${answer.address}, a ${reason} address`);
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * Where a delivery to a subscription's URL may connect, checked at the moment of sending: the
 * URL policy again, then the host resolved and vetted (resolvePublicAddress), or, for a
 * sandbox subscription on localhost, 127.0.0.1 or [::1], a loopback address. Never throws.
 */
export async function deliveryTarget(
  value: string,
  environment: Environment,
): Promise<{ url: URL; address: VettedAddress } | { refused: string }> {
  const problem = urlPolicyProblem(value, environment);
  if (problem) return { refused: `url ${problem}` };
  const url = new URL(value);
  if (environment === 'sandbox' && loopbackHosts.has(url.hostname)) {
    if (url.hostname === '127.0.0.1') return { url, address: { address: '127.0.0.1', family: 4 } };
    if (url.hostname === '[::1]') return { url, address: { address: '::1', family: 6 } };
    const answers = await dns.promises.lookup('localhost', { all: true, verbatim: true }).catch(() => []);
    const loopback = answers.find((a) => nonPublicAddressReason(a.address) === 'loopback');
    return loopback
      ? { url, address: { address: loopback.address, family: loopback.family === 6 ? 6 : 4 } }
      : { url, address: { address: '127.0.0.1', family: 4 } };
  }
  try {
    return { url, address: await resolvePublicAddress(url.hostname) };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}
