import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  deliveryTarget,
  nonPublicAddressReason,
  RefusedAddressError,
  resolvePublicAddress,
  urlPolicyProblem,
} from '../../src/domain/webhook-url.js';

/** Where webhooks may go: the address ranges, the URL policy, and the check made at delivery. */

afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes DNS answer `answers` (or fail with `code`) for any name. */
function resolvesTo(answers: { address: string; family: 4 | 6 }[] | { code: string }) {
  return vi.spyOn(dns.promises, 'lookup').mockImplementation((async () => {
    if ('code' in answers) throw Object.assign(new Error('lookup failed'), { code: answers.code });
    return answers;
  }) as never);
}

describe('nonPublicAddressReason', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.255.0.1', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:100.64.0.1', 'CGNAT'],
    ['2001:db8::1', 'reserved'],
    ['2002:c000:0204::1', 'reserved'],
    ['64:ff9b::a00:1', 'reserved'],
    ['[::1]', 'loopback'],
    ['example.com', 'not an IP address'],
  ])('%s is not public (%s)', (address, reason) => {
    expect(nonPublicAddressReason(address)).toContain(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(nonPublicAddressReason(address)).toBeNull();
  });
});

describe('urlPolicyProblem', () => {
  it('allows public https everywhere, loopback only in the sandbox', () => {
    expect(urlPolicyProblem('https://example.com/hooks', 'production')).toBeNull();
    expect(urlPolicyProblem('https://example.com/hooks', 'sandbox')).toBeNull();
    for (const url of ['http://localhost:3000/', 'http://127.0.0.1/', 'http://[::1]/']) {
      expect(urlPolicyProblem(url, 'sandbox')).toBeNull();
      expect(urlPolicyProblem(url, 'production')).not.toBeNull();
    }
  });

  it('refuses credentials, fragments and long URLs in either environment', () => {
    for (const environment of ['sandbox', 'production'] as const) {
      expect(urlPolicyProblem('https://a:b@example.com/', environment)).toMatch(/user name or password/);
      expect(urlPolicyProblem('https://example.com/#x', environment)).toMatch(/fragment/);
      expect(urlPolicyProblem(`https://example.com/${'x'.repeat(2048)}`, environment)).toMatch(/2048/);
    }
  });
});

describe('resolvePublicAddress', () => {
  it('takes a public IP literal as it is, with or without brackets', async () => {
    expect(await resolvePublicAddress('8.8.8.8')).toEqual({ address: '8.8.8.8', family: 4 });
    expect(await resolvePublicAddress('[2606:4700:4700::1111]')).toEqual({
      address: '2606:4700:4700::1111',
      family: 6,
    });
  });

  it.each(['127.0.0.1', '[::1]', '10.0.0.1', '169.254.169.254', '100.64.0.1', 'localhost'])(
    'refuses %s',
    async (host) => {
      await expect(resolvePublicAddress(host)).rejects.toBeInstanceOf(RefusedAddressError);
    },
  );

  it('returns the first address when every answer is public', async () => {
    resolvesTo([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
    expect(await resolvePublicAddress('example.com')).toEqual({ address: '93.184.215.14', family: 4 });
  });

  it('refuses a name with any non-public answer, naming it', async () => {
    resolvesTo([
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]);
    await expect(resolvePublicAddress('rebind.example')).rejects.toThrow(/10\.0\.0\.5, a private address/);
  });

  it('refuses a name that does not resolve, or resolves to nothing', async () => {
    resolvesTo({ code: 'ENOTFOUND' });
    await expect(resolvePublicAddress('nowhere.example')).rejects.toThrow(/could not be resolved \(ENOTFOUND\)/);
    vi.restoreAllMocks();
    resolvesTo([]);
    await expect(resolvePublicAddress('empty.example')).rejects.toThrow(/no address/);
  });
});

describe('deliveryTarget', () => {
  it('pins a public host to its vetted address', async () => {
    resolvesTo([{ address: '93.184.215.14', family: 4 }]);
    const target = await deliveryTarget('https://example.com/hooks', 'production');
    expect(target).toEqual({
      url: new URL('https://example.com/hooks'),
      address: { address: '93.184.215.14', family: 4 },
    });
  });

  it('refuses a host that now resolves to a private address, or a URL the policy refuses', async () => {
    resolvesTo([{ address: '192.168.0.4', family: 4 }]);
    expect(await deliveryTarget('https://example.com/hooks', 'production')).toEqual({
      refused: expect.stringMatching(/192\.168\.0\.4, a private address/),
    });
    expect(await deliveryTarget('http://localhost:3000/', 'production')).toEqual({
      refused: expect.stringMatching(/^url must use https/),
    });
  });

  it('reaches loopback for a sandbox subscription on localhost, 127.0.0.1 or [::1]', async () => {
    expect(await deliveryTarget('http://127.0.0.1:9/hook', 'sandbox')).toMatchObject({
      address: { address: '127.0.0.1', family: 4 },
    });
    expect(await deliveryTarget('http://[::1]:9/hook', 'sandbox')).toMatchObject({
      address: { address: '::1', family: 6 },
    });
    const local = await deliveryTarget('http://localhost:9/hook', 'sandbox');
    expect('address' in local && nonPublicAddressReason(local.address.address)).toBe('loopback');
  });
});
