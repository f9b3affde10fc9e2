import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import type { Identity } from '../context';
import type { TokenVerifier } from './types';

/**
 * Static tokens from a file that holds only their SHA-256 hashes, never the tokens:
 *
 *   tokens:
 *     - sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *       user: shipyard
 *       project: service
 *       roles: [admin]
 *
 * The file is read again when its modification time or size changes (checked at most once a
 * second), so tokens are added and revoked without a restart. A file that no longer parses keeps
 * the last good set and says so once.
 */
const entrySchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 must be 64 hex digits'),
  user: z.string().min(1),
  user_id: z.string().optional(),
  user_domain_id: z.string().optional(),
  project: z.string().optional(),
  project_id: z.string().optional(),
  project_domain_id: z.string().optional(),
  roles: z.array(z.string()).default([]),
  is_admin_project: z.boolean().default(false),
});
const fileSchema = z.object({ tokens: z.array(entrySchema).default([]) });

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

function parseTokenFile(path: string): Map<string, Identity> {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TokenFileError(`cannot read the token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TokenFileError(`the token file ${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const out = new Map<string, Identity>();
  for (const e of parsed.data.tokens) {
    out.set(e.sha256.toLowerCase(), {
      user: e.user,
      userId: e.user_id ?? e.user,
      userDomainId: e.user_domain_id,
      project: e.project,
      projectId: e.project_id ?? e.project,
      projectDomainId: e.project_domain_id,
      roles: e.roles,
      isAdminProject: e.is_admin_project,
      via: 'token-file',
    });
  }
  return out;
}

export class TokenFileVerifier implements TokenVerifier {
  readonly name = 'token-file';
  private tokens: Map<string, Identity>;
  private stamp: string;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly warn: (message: string) => void = (m) => void process.stderr.write(`${m}\n`),
  ) {
    this.tokens = parseTokenFile(path);
    this.stamp = this.currentStamp();
  }

  private currentStamp(): string {
    try {
      const s = statSync(this.path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }

  private reloadIfChanged(): void {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const stamp = this.currentStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.tokens = parseTokenFile(this.path);
    } catch (err) {
      this.warn(`drydock api: keeping the previous tokens: ${(err as Error).message}`);
    }
  }

  /** For tests: check the file now rather than within a second. */
  reload(): void {
    this.checkedAt = 0;
    this.reloadIfChanged();
  }

  verify(token: string): Promise<Identity | undefined> {
    this.reloadIfChanged();
    return Promise.resolve(this.tokens.get(hashToken(token)));
  }
}
