import type { Identity } from '../context';
import { hashToken } from './token-file';
import type { TokenVerifier } from './types';

/**
 * Keystone tokens, validated with Keystone's own `GET /v3/auth/tokens` (the token both as
 * X-Auth-Token and X-Subject-Token: a token may validate itself). Answers are cached for a
 * minute (by the token's hash, never the token) and never beyond the token's expiry.
 */
export interface KeystoneVerifierOptions {
  /** e.g. https://keystone.example.net:5000 (without /v3) */
  url: string;
  cacheMs?: number;
  timeoutMs?: number;
}

interface KeystoneTokenBody {
  token?: {
    expires_at?: string;
    is_admin_project?: boolean;
    user?: { id?: string; name?: string; domain?: { id?: string } };
    project?: { id?: string; name?: string; domain?: { id?: string } };
    roles?: Array<{ name?: string }>;
  };
}

export class KeystoneVerifier implements TokenVerifier {
  readonly name = 'keystone';
  private readonly cache = new Map<string, { identity: Identity | undefined; until: number }>();

  constructor(private readonly options: KeystoneVerifierOptions) {}

  async verify(token: string): Promise<Identity | undefined> {
    const key = hashToken(token);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.identity;
    let identity: Identity | undefined;
    let until = now + (this.options.cacheMs ?? 60_000);
    try {
      const response = await fetch(`${this.options.url.replace(/\/+$/, '')}/v3/auth/tokens`, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (response.ok) {
        const body = (await response.json()) as KeystoneTokenBody;
        const t = body.token;
        if (t?.user?.name) {
          identity = {
            user: t.user.name,
            userId: t.user.id,
            userDomainId: t.user.domain?.id,
            project: t.project?.name,
            projectId: t.project?.id,
            projectDomainId: t.project?.domain?.id,
            roles: (t.roles ?? []).map((r) => r.name).filter((r): r is string => typeof r === 'string'),
            isAdminProject: t.is_admin_project === true,
            via: 'keystone',
          };
          const expires = t.expires_at ? Date.parse(t.expires_at) : NaN;
          if (Number.isFinite(expires)) until = Math.min(until, expires);
        }
      }
    } catch {
      // Keystone unreachable: not accepted, and not cached.
      return undefined;
    }
    this.cache.set(key, { identity, until });
    return identity;
  }
}
