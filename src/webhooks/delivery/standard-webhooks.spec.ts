import { newWebhookSecret, signWebhook, verifyWebhook } from './standard-webhooks.js';

describe('Standard Webhooks signatures', () => {
  it("matches the specification's example", () => {
    // The example of the Standard Webhooks specification's reference libraries.
    const headers = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('verifies its own signatures, and nothing changed or signed with another secret', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'organization.created', timestamp: '2026-12-06T08:00:00.000Z', data: {} });
    const headers = signWebhook(secret, 'evt_1', 1_796_544_000, body);
    expect(verifyWebhook(secret, headers, body)).toBe(true);
    expect(verifyWebhook(secret, { ...headers, 'webhook-signature': `v1,bogus ${headers['webhook-signature']}` }, body)).toBe(true);
    expect(verifyWebhook(secret, headers, `${body} `)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'evt_2' }, body)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1796544001' }, body)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), headers, body)).toBe(false);
  });
});
