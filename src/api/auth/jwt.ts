import { createRemoteJWKSet, jwtVerify, JWTPayload } from 'jose';
import type { Identity } from '../context';
import type { TokenVerifier } from './types';

/**
 * OIDC access tokens (JWTs) checked against the issuer's JWKS: signature, `exp`/`nbf`, and
 * `iss`/`aud` when configured. Roles come from a claim (default `roles`; a dotted path such as
 * `realm_access.roles` reaches into nested claims), the user from `preferred_username` or `sub`,
 * the project from `project_id` / `project` when present.
 */
export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer?: string;
  audience?: string;
  rolesClaim?: string;
  /** Seconds of clock skew accepted (default 30). */
  clockToleranceSec?: number;
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export class JwtVerifier implements TokenVerifier {
  readonly name = 'jwt';
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtVerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  }

  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
  }

  async verify(token: string): Promise<Identity | undefined> {
    if (!JwtVerifier.looksLikeJwt(token)) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSec ?? 30,
        requiredClaims: ['exp'],
      }));
    } catch {
      // Expired, tampered, wrong issuer or audience, or the JWKS is unreachable: not accepted.
      return undefined;
    }
    const rolesClaim = claimAt(payload, this.options.rolesClaim ?? 'roles');
    const roles = Array.isArray(rolesClaim) ? rolesClaim.filter((r): r is string => typeof r === 'string') : typeof rolesClaim === 'string' ? rolesClaim.split(',').map((r) => r.trim()) : [];
    const user = str(payload.preferred_username) ?? str(payload.sub);
    if (!user) return undefined;
    return {
      user,
      userId: str(payload.sub) ?? user,
      project: str(payload.project),
      projectId: str(payload.project_id) ?? str(payload.project),
      roles,
      isAdminProject: payload.is_admin_project === true,
      via: 'jwt',
    };
  }
}
