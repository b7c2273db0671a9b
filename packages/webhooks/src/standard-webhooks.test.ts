import { generateSecret, signature, signedHeaders, signingKey, verifyDelivery, SECRET_PREFIX } from './standard-webhooks.js';

// The example published with the Standard Webhooks specification.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signatures', () => {
  it('reproduces the specification’s published signature', () => {
    expect(signature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.body))).toBe(VECTOR.signature);
    // The decoded key signs the same, once or many times.
    const key = signingKey(VECTOR.secret);
    expect(signature(key, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signature(key, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(signature(signingKey(generateSecret()), VECTOR.id, VECTOR.timestamp, VECTOR.body)).not.toBe(VECTOR.signature);
  });

  it('accepts the published delivery within the tolerance and rejects it outside', () => {
    const headers = {
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
    };
    expect(verifyDelivery([VECTOR.secret], headers, VECTOR.body, VECTOR.timestamp + 299)).toBeUndefined();
    expect(verifyDelivery([VECTOR.secret], headers, VECTOR.body, VECTOR.timestamp + 301)).toBe('stale_timestamp');
    expect(verifyDelivery([VECTOR.secret], headers, VECTOR.body, VECTOR.timestamp - 301)).toBe('future_timestamp');
  });

  it('rejects a tampered body, another id, a wrong secret and missing headers', () => {
    const secret = generateSecret();
    const now = 1_800_000_000;
    const headers = signedHeaders(secret, 'msg_1', now, '{"a":1}');
    expect(verifyDelivery([secret], headers, '{"a":1}', now)).toBeUndefined();
    expect(verifyDelivery([secret], headers, '{"a":2}', now)).toBe('bad_signature');
    expect(verifyDelivery([secret], { ...headers, 'webhook-id': 'msg_2' }, '{"a":1}', now)).toBe('bad_signature');
    expect(verifyDelivery([generateSecret()], headers, '{"a":1}', now)).toBe('bad_signature');
    expect(verifyDelivery([secret], { 'webhook-id': 'msg_1' }, '{"a":1}', now)).toBe('missing_headers');
    expect(verifyDelivery([secret], { ...headers, 'webhook-timestamp': '12.5' }, '{"a":1}', now)).toBe('malformed_timestamp');
  });

  it('accepts any listed v1 signature made with any current secret (rotation overlap)', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const now = 1_800_000_000;
    const both = `${signature(oldSecret, 'msg_1', now, 'x')} ${signature(newSecret, 'msg_1', now, 'x')}`;
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now), 'webhook-signature': both };
    expect(verifyDelivery([newSecret], headers, 'x', now)).toBeUndefined();
    expect(verifyDelivery([oldSecret, newSecret], signedHeaders(oldSecret, 'msg_1', now, 'x'), 'x', now)).toBeUndefined();
    expect(verifyDelivery([newSecret], signedHeaders(oldSecret, 'msg_1', now, 'x'), 'x', now)).toBe('bad_signature');
    const v2Only = { ...headers, 'webhook-signature': both.replaceAll('v1,', 'v2,') };
    expect(verifyDelivery([newSecret], v2Only, 'x', now)).toBe('bad_signature');
  });

  it('generates prefixed 32-byte secrets that differ', () => {
    const a = generateSecret();
    expect(a.startsWith(SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });
});
