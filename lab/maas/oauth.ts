/**
 * The MAAS emulator's own OAuth 1.0a checking, written from the specifications and not shared
 * with the MAAS driver (`src/drivers/node/maas/oauth.ts` signs; this side verifies): a bug
 * present on both sides would cancel out and pass every test.
 *
 * Sources:
 * - MAAS API docs, "API authentication" (maas.io/docs/api, "Authenticating"): an API key is
 *   `<consumer_key>:<token_key>:<token_secret>`; requests carry an OAuth 1.0a `Authorization`
 *   header signed with the PLAINTEXT method, and the consumer secret is the empty string.
 * - RFC 5849 §3.5.1 (Authorization header): `OAuth` followed by comma-separated
 *   `name="value"` pairs whose names and values are percent-encoded (§3.6); `realm` is not an
 *   OAuth parameter.
 * - RFC 5849 §3.4.4 (PLAINTEXT): the signature is `encode(consumer_secret) "&"
 *   encode(token_secret)`, so with MAAS's empty consumer secret it is `&<token_secret>`.
 */

export interface OAuthCredentials {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
}

/** Why a request was refused, with the HTTP status real MAAS answers (400 or 401). */
export class OAuthRefusal extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthRefusal';
  }
}

/** The parameters RFC 5849 §3.1 requires with PLAINTEXT (version is optional). */
const REQUIRED = ['oauth_consumer_key', 'oauth_token', 'oauth_signature', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce'] as const;

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape is kept as sent; the comparisons below then refuse it.
    return text;
  }
}

/** RFC 5849 §3.6 percent-encoding: everything but ALPHA, DIGIT, '-', '.', '_' and '~'. */
export function oauthEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The decoded parameters of an `Authorization: OAuth ...` header (RFC 5849 §3.5.1), or
 * undefined when the header is absent or uses another scheme.
 */
export function readOAuthHeader(header: string | undefined): Map<string, string> | undefined {
  if (header === undefined) return undefined;
  const scheme = /^\s*OAuth(?:\s+|$)/i.exec(header);
  if (!scheme) return undefined;
  const params = new Map<string, string>();
  const rest = header.slice(scheme[0].length);
  const pair = /\s*([^=,\s]+)\s*=\s*"([^"]*)"\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = pair.exec(rest)) !== null) {
    const name = percentDecode(match[1]);
    if (name !== 'realm') params.set(name, percentDecode(match[2]));
    if (pair.lastIndex >= rest.length) break;
  }
  return params;
}

/**
 * Checks a request's OAuth header against the emulated MAAS's one API key and throws an
 * OAuthRefusal worded as MAAS words it. MAAS (`maasserver/api/auth.py`, OAuthAuthentication)
 * answers 401 for a missing or wrong credential; a header without a required parameter is a
 * 400 "Missing OAuth parameter" (as the `oauth` library MAAS uses raises it).
 */
export function verifyPlaintextRequest(header: string | undefined, expected: OAuthCredentials): void {
  const params = readOAuthHeader(header);
  if (!params) throw new OAuthRefusal(401, 'Authorization Error: no OAuth Authorization header; sign requests with the API key (consumer:token:secret).');
  for (const name of REQUIRED) {
    if (!params.get(name)) throw new OAuthRefusal(400, `Bad Request: Missing OAuth parameter: ${name}`);
  }
  const method = params.get('oauth_signature_method');
  if (method !== 'PLAINTEXT') throw new OAuthRefusal(401, `Authorization Error: unsupported signature method ${method}`);
  if (params.get('oauth_consumer_key') !== expected.consumerKey) throw new OAuthRefusal(401, 'Authorization Error: Invalid API key.');
  if (params.get('oauth_token') !== expected.tokenKey) throw new OAuthRefusal(401, `Authorization Error: 'Invalid access token: ${params.get('oauth_token')}'`);
  // §3.4.4 with MAAS's empty consumer secret.
  if (params.get('oauth_signature') !== `${oauthEncode('')}&${oauthEncode(expected.tokenSecret)}`) {
    throw new OAuthRefusal(401, "Authorization Error: 'Invalid signature. Expected signature base string: ...'");
  }
}
