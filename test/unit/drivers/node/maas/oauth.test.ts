import { inspect } from 'node:util';
import { oauthAuthorizationHeader, oauthPercentEncode, parseMaasApiKey, parseOAuthHeader } from '../../../../../src/drivers/node/maas/oauth';
import { Secret } from '../../../../../src/secrets/secret';

describe('MAAS API keys and OAuth 1.0a PLAINTEXT signing', () => {
  it('splits consumer:token:secret and keeps the secret a Secret', () => {
    const key = parseMaasApiKey(new Secret('ck:tk:t0ps3cret', 'env:MAAS_API_KEY'));
    expect(key.consumerKey).toBe('ck');
    expect(key.tokenKey).toBe('tk');
    expect(key.tokenSecret.reveal()).toBe('t0ps3cret');
    expect(inspect(key)).not.toContain('t0ps3cret');
  });

  it.each(['', 'only-one-part', 'a:b', 'a::c', 'a:b:c:d', 'a:b c:d'])('rejects the malformed key %j without quoting it', (value) => {
    const attempt = () => parseMaasApiKey(new Secret(value, 'env:MAAS_API_KEY'));
    expect(attempt).toThrow(/env:MAAS_API_KEY.*consumer_key:token_key:token_secret/);
    try {
      attempt();
    } catch (err) {
      if (value.length > 3) expect((err as Error).message).not.toContain(value);
    }
  });

  it('signs with an empty consumer secret and the token secret, percent-encoded', () => {
    const key = parseMaasApiKey(new Secret('ck:tk:s&e=c+r', 'test'));
    const header = oauthAuthorizationHeader(key, () => 1_700_000_000_000);
    expect(header).toMatch(/^OAuth realm="", /);
    const params = parseOAuthHeader(header)!;
    expect(params).toMatchObject({
      oauth_version: '1.0',
      oauth_signature_method: 'PLAINTEXT',
      oauth_consumer_key: 'ck',
      oauth_token: 'tk',
      oauth_timestamp: '1700000000',
    });
    // signature = "&" + percent-encode(secret), itself percent-encoded in the header
    expect(params.oauth_signature).toBe(`&${oauthPercentEncode('s&e=c+r')}`);
    expect(header).toContain('oauth_signature="%26s%2526e%253Dc%252Br"');
    expect(params.oauth_nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(parseOAuthHeader(oauthAuthorizationHeader(key))!.oauth_nonce).not.toBe(params.oauth_nonce);
  });

  it('encodes the characters encodeURIComponent leaves alone', () => {
    expect(oauthPercentEncode("a!b'c(d)e*f~g")).toBe('a%21b%27c%28d%29e%2Af~g');
  });

  it('reads no parameters from a header that is not OAuth', () => {
    expect(parseOAuthHeader(undefined)).toBeUndefined();
    expect(parseOAuthHeader('Basic YWRtaW46cHc=')).toBeUndefined();
  });
});
