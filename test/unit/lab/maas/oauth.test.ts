import { OAuthRefusal, oauthEncode, readOAuthHeader, verifyPlaintextRequest } from '../../../../lab/maas/oauth';

// The MAAS emulator's own OAuth checking, against headers written from the specifications
// (RFC 5849 and the format python-libmaas/oauthlib send), not produced by the driver's signer.
const KEY = { consumerKey: 'cKey', tokenKey: 'tKey', tokenSecret: 'tSecret' };

function header(overrides: Record<string, string | undefined> = {}): string {
  const params: Record<string, string | undefined> = {
    realm: '',
    oauth_nonce: '1234567890',
    oauth_timestamp: '1700000000',
    oauth_consumer_key: 'cKey',
    oauth_signature_method: 'PLAINTEXT',
    oauth_version: '1.0',
    oauth_token: 'tKey',
    oauth_signature: '%26tSecret',
    ...overrides,
  };
  return `OAuth ${Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${v}"`).join(', ')}`;
}

function refusal(h: string | undefined): OAuthRefusal {
  try {
    verifyPlaintextRequest(h, KEY);
  } catch (err) {
    if (err instanceof OAuthRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('MAAS emulator OAuth 1.0a PLAINTEXT', () => {
  it('reads the RFC 5849 §3.5.1 header example, decoding values and leaving out realm', () => {
    const params = readOAuthHeader('OAuth realm="Example",\n  oauth_consumer_key="0685bd9184jfhq22",\n  oauth_token="ad180jjd733klru7",\n  oauth_signature_method="HMAC-SHA1",\n  oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D",\n  oauth_timestamp="137131200",\n  oauth_nonce="4572616e48616d6d65724c61686176",\n  oauth_version="1.0"');
    expect(params?.get('oauth_signature')).toBe('wOJIO9A2W5mFwDgiDvZbTSMK/PY=');
    expect(params?.get('oauth_consumer_key')).toBe('0685bd9184jfhq22');
    expect(params?.has('realm')).toBe(false);
    expect(params?.size).toBe(7);
  });

  it('is not OAuth without the scheme', () => {
    expect(readOAuthHeader(undefined)).toBeUndefined();
    expect(readOAuthHeader('Bearer abc')).toBeUndefined();
  });

  it('accepts `&<token secret>` (MAAS has an empty consumer secret), percent-encoded as RFC 5849 §3.6 says', () => {
    expect(() => verifyPlaintextRequest(header(), KEY)).not.toThrow();
    expect(oauthEncode('&a b~*')).toBe('%26a%20b~%2A');
  });

  it('refuses as MAAS does: 401 for no header or a wrong key, token or signature; 400 for a missing parameter', () => {
    expect(refusal(undefined).status).toBe(401);
    expect(refusal(header({ oauth_consumer_key: 'other' })).message).toBe('Authorization Error: Invalid API key.');
    expect(refusal(header({ oauth_token: 'other' })).message).toBe("Authorization Error: 'Invalid access token: other'");
    expect(refusal(header({ oauth_signature: '%26wrong' })).status).toBe(401);
    expect(refusal(header({ oauth_signature: 'tSecret' })).status).toBe(401);
    expect(refusal(header({ oauth_signature_method: 'HMAC-SHA1' })).status).toBe(401);
    const missing = refusal(header({ oauth_nonce: undefined }));
    expect([missing.status, missing.message]).toEqual([400, 'Bad Request: Missing OAuth parameter: oauth_nonce']);
  });
});
