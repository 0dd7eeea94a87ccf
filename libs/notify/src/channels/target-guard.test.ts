import { createTargetGuard, forbiddenReason, parseAllowTargets } from './target-guard';

describe('target guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.0.10', 'private (RFC 1918)'],
    ['::ffff:192.168.0.10', 'private (RFC 1918)'],
    ['fd12:3456::1', 'unique local (private)'],
    ['169.254.10.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['169.254.169.254', 'cloud metadata'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['93.184.215.14', undefined],
    ['172.32.0.1', undefined],
    ['100.128.0.1', undefined],
    ['2606:4700::1111', undefined],
  ])('forbiddenReason(%s) is %p', (address, reason) => {
    expect(forbiddenReason(address)).toBe(reason);
  });

  it('reads the allow-list and names a bad entry', () => {
    expect(parseAllowTargets(' 127.0.0.0/8, fd00::/8,10.0.0.5 , hooks.internal ,')).toEqual(['127.0.0.0/8', 'fd00::/8', '10.0.0.5', 'hooks.internal']);
    expect(() => parseAllowTargets('127.0.0.0/33')).toThrow('got "127.0.0.0/33"');
    expect(() => parseAllowTargets('10.0.0.0/8,http://x')).toThrow('got "http://x"');
  });

  const refused = (url: string, allow: string[] = []) => createTargetGuard(allow).resolve(new URL(url), 'webhook');

  it.each([
    ['http://127.0.0.1:9/hook', '127.0.0.1', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1', 'loopback'],
    ['http://0x7f.1/hook', '127.0.0.1', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'cloud metadata'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254', 'cloud metadata'],
    ['https://192.168.1.1/', '192.168.1.1', 'private (RFC 1918)'],
  ])('refuses %s, naming the address and NOTIFY_ALLOW_TARGETS', async (url, address, reason) => {
    const error = await refused(url).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', retriable: false, details: { address, reason } });
    expect((error as Error).message).toContain(`resolves to ${address}, a ${reason} address (allow it with NOTIFY_ALLOW_TARGETS)`);
  });

  it('refuses a host name that resolves to loopback (localhost)', async () => {
    await expect(refused('http://localhost:9/hook')).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED', details: { host: 'localhost', reason: 'loopback' } });
  });

  it('lets allow-listed networks and host names through, and returns the address to connect to', async () => {
    await expect(refused('http://127.0.0.1:9/', ['127.0.0.0/8'])).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(refused('http://[::ffff:127.0.0.1]/', ['127.0.0.0/8'])).resolves.toEqual({ address: '::ffff:7f00:1', family: 6 });
    await expect(refused('http://10.0.0.5/', ['10.0.0.5'])).resolves.toEqual({ address: '10.0.0.5', family: 4 });
    await expect(refused('http://10.0.0.6/', ['10.0.0.5'])).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY_REJECTED' });
    await expect(refused('http://LOCALHOST:9/', ['localhost'])).resolves.toMatchObject({ address: expect.any(String) });
    await expect(refused('https://93.184.215.14/')).resolves.toEqual({ address: '93.184.215.14', family: 4 });
  });

  it('treats a name that does not resolve as a temporary failure', async () => {
    await expect(refused('http://no-such-host.invalid/')).rejects.toMatchObject({ code: 'CW_ERR_DELIVERY', retriable: true });
  });
});
