import { randomBytes } from 'node:crypto';
import { Secret } from '../../../secrets/secret';

/**
 * MAAS API keys and OAuth 1.0a PLAINTEXT signing, as MAAS's API expects them.
 *
 * A MAAS API key is `consumer_key:token_key:token_secret`. MAAS consumers have an empty secret,
 * so the PLAINTEXT signature is `&` followed by the token secret (RFC 5849 section 3.4.4, with
 * both parts percent-encoded). Every request carries a fresh nonce and timestamp.
 */
export interface MaasApiKey {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: Secret;
}

export class MaasApiKeyFormatError extends Error {
  override name = 'MaasApiKeyFormatError';
}

/** Splits a resolved API key. The message never quotes the key, only where it came from. */
export function parseMaasApiKey(key: Secret): MaasApiKey {
  const parts = key.reveal().trim().split(':');
  if (parts.length !== 3 || parts.some((p) => p === '' || /\s/.test(p))) {
    throw new MaasApiKeyFormatError(
      `the MAAS API key from "${key.reference}" is not in the form consumer_key:token_key:token_secret (three non-empty parts separated by colons; \`maas apikey --username=<user>\` prints one)`,
    );
  }
  return { consumerKey: parts[0], tokenKey: parts[1], tokenSecret: new Secret(parts[2], key.reference) };
}

/** RFC 3986 percent-encoding as OAuth 1.0a requires (encodeURIComponent leaves !'()* alone). */
export function oauthPercentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The value of the Authorization header for one request. */
export function oauthAuthorizationHeader(key: MaasApiKey, now: () => number = Date.now): string {
  const params: Array<[string, string]> = [
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', key.consumerKey],
    ['oauth_token', key.tokenKey],
    // consumer secret (empty) & token secret, each percent-encoded
    ['oauth_signature', `&${oauthPercentEncode(key.tokenSecret.reveal())}`],
    ['oauth_nonce', randomBytes(16).toString('hex')],
    ['oauth_timestamp', String(Math.floor(now() / 1000))],
  ];
  return `OAuth realm="", ${params.map(([k, v]) => `${k}="${oauthPercentEncode(v)}"`).join(', ')}`;
}

/** Parses an `Authorization: OAuth ...` header into its decoded parameters (the driver's tests
 * read back what it signs; the lab's MAAS emulator has its own parser, lab/maas/oauth.ts).
 * Returns undefined when the header is not OAuth. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const match of header.slice(header.indexOf(' ') + 1).matchAll(/([A-Za-z0-9_]+)="([^"]*)"/g)) {
    try {
      params[match[1]] = decodeURIComponent(match[2]);
    } catch {
      params[match[1]] = match[2];
    }
  }
  return params;
}
