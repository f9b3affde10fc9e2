import type { Identity } from '../context';
import type { TokenVerifier } from './types';

export type { TokenVerifier } from './types';
export { TokenFileVerifier, hashToken, TokenFileError } from './token-file';
export { JwtVerifier } from './jwt';
export type { JwtVerifierOptions } from './jwt';
export { KeystoneVerifier } from './keystone';

/** The token of a request: `X-Auth-Token` (what Drydock's client sends) or `Authorization: Bearer`. */
export function tokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const xAuth = first(headers['x-auth-token'])?.trim();
  if (xAuth) return xAuth;
  const authorization = first(headers.authorization);
  const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return m ? m[1] : undefined;
}

/** Asks each verifier in turn; the first that knows the token wins. */
export class Authenticator {
  constructor(readonly verifiers: TokenVerifier[]) {}

  async identify(token: string): Promise<Identity | undefined> {
    for (const v of this.verifiers) {
      const identity = await v.verify(token);
      if (identity) return identity;
    }
    return undefined;
  }
}
