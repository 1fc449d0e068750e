import { checkWebhookTarget, type ResolveHost, WebhookTargetRefusedError } from './webhook-target.js';

/** A resolver that knows a few names and records what it was asked: no lookup leaves the test. */
function stubResolver(answers: Record<string, string[]>): { resolve: ResolveHost; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (hostname) => {
      asked.push(hostname);
      const found = answers[hostname];
      if (!found) throw new Error(`ENOTFOUND ${hostname}`);
      return found;
    },
  };
}

async function refusal(raw: string, answers: Record<string, string[]> = {}): Promise<string> {
  const { resolve } = stubResolver(answers);
  try {
    await checkWebhookTarget(raw, { allowPrivate: false, resolve });
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookTargetRefusedError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${raw}`);
}

describe('checkWebhookTarget', () => {
  it.each([
    ['http://127.0.0.1:1/hook', /loopback/],
    ['http://[::1]:1/hook', /loopback/],
    ['http://2130706433:1/hook', /loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
    ['http://0177.0.0.1:1/hook', /loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
    ['http://0x7f.1:1/hook', /loopback/],
    ['http://0x7f000001:1/hook', /loopback \(127\.0\.0\.1 is 127\.0\.0\.1\)/],
    ['http://017700000001:1/hook', /loopback/],
    ['http://127.1:1/hook', /loopback/],
    ['http://[::127.0.0.1]:1/hook', /loopback \(::7f00:1 is ::7f00:1\)/],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', /link-local/],
    ['http://[64:ff9b::10.0.0.1]/', /private/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fd00::1]/', /unique local/],
    ['http://10.0.0.1/', /private/],
    ['http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/', /metadata\) \(169\.254\.169\.254 is 169\.254\.169\.254\)/],
    ['http://2852039166/latest/meta-data/', /link-local/],
    ['http://[::ffff:127.0.0.1]:1/', /loopback/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://0.0.0.0:1/', /this network/],
    ['file:///etc/passwd', /http or https/],
    ['ftp://example.com/', /http or https/],
    ['gopher://example.com/', /http or https/],
    ['http://user:secret@example.com/', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (raw, message) => {
    expect(await refusal(raw)).toMatch(message);
  });

  it('never resolves an IP literal, in any spelling', async () => {
    const { resolve, asked } = stubResolver({});
    for (const raw of [
      'http://2130706433:1/',
      'http://0177.0.0.1:1/',
      'http://0x7f000001:1/',
      'http://169.254.169.254/',
      'http://[::1]:1/',
    ]) {
      await expect(checkWebhookTarget(raw, { allowPrivate: false, resolve })).rejects.toBeInstanceOf(WebhookTargetRefusedError);
    }
    expect(asked).toEqual([]);
  });

  it('resolves a name and refuses it when any answer is forbidden (metadata, private, loopback)', async () => {
    expect(await refusal('https://metadata.example/x', { 'metadata.example': ['169.254.169.254'] })).toMatch(/link-local/);
    expect(await refusal('https://intranet.example/x', { 'intranet.example': ['93.184.215.14', '10.0.0.7'] })).toMatch(/private/);
    expect(await refusal('http://localhost:1/', { localhost: ['127.0.0.1', '::1'] })).toMatch(/loopback/);
    expect(await refusal('https://nowhere.example/')).toMatch(/does not resolve/);
    expect(await refusal('https://rebound.example/', { 'rebound.example': ['2606:4700::1111', '::ffff:7f00:1'] })).toMatch(/loopback/);
    expect(await refusal('https://nat64.example/', { 'nat64.example': ['64:ff9b:0:0:0:0:a9fe:a9fe'] })).toMatch(/link-local/);
  });

  it('accepts a public target and answers the addresses a delivery must connect to', async () => {
    const { resolve, asked } = stubResolver({ 'hooks.example.com': ['93.184.215.14', '2606:4700::1111'] });
    const checked = await checkWebhookTarget('https://hooks.example.com/in?x=1', { allowPrivate: false, resolve });
    expect(checked.url.href).toBe('https://hooks.example.com/in?x=1');
    expect(checked.addresses).toEqual(['93.184.215.14', '2606:4700::1111']);
    expect(asked).toEqual(['hooks.example.com']);
  });

  it('allows private targets only when told to (tests and local runs), never other schemes', async () => {
    const { resolve } = stubResolver({});
    expect((await checkWebhookTarget('http://127.0.0.1:4000/hook', { allowPrivate: true, resolve })).addresses).toEqual(['127.0.0.1']);
    await expect(checkWebhookTarget('file:///etc/passwd', { allowPrivate: true, resolve })).rejects.toBeInstanceOf(
      WebhookTargetRefusedError,
    );
  });
});
