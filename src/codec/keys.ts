import { parse } from 'yaml';
import { CredentialResolutionError, SecretResolver } from '../secrets/resolver';
import { parseCredentialReference } from '../secrets/reference';

/**
 * The payload encryption keys, read from a key file or an environment variable, never given
 * inline (an inline key would end up in argv, shell history and process listings).
 *
 * The key set is YAML (or JSON):
 *   current: 2026-12          # the key id new payloads are encrypted with
 *   keys:
 *     2026-12: <32 bytes, base64>
 *     2026-06: <32 bytes, base64>   # older keys still decrypt what they encrypted
 *
 * Rotation without downtime: add the new key to every process's key set, restart them one by
 * one (all can now decrypt both), then make it `current` and restart them again. Remove an old
 * key only once nothing encrypted with it is still needed (the namespace's retention period).
 */
export interface CodecKeySet {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A reference to the key set: `file:/path` or `env:NAME` (the variable holds the YAML). */
export const CODEC_KEYS_ENV = 'DRYDOCK_CODEC_KEYS';

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

const KEY_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function parseCodecKeySet(text: string, source: string): CodecKeySet {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    // The YAML parser quotes the offending line, which may hold a key: say only where.
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new CodecKeyError(`the codec key set ${source} is not valid YAML${line ? ` (line ${line})` : ''}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new CodecKeyError(`the codec key set ${source} must be a mapping with "current" and "keys"`);
  const { current, keys } = doc as { current?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new CodecKeyError(`the codec key set ${source} has no "keys" mapping (key id: base64 of 32 bytes)`);
  const parsed = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys as Record<string, unknown>)) {
    if (!KEY_ID.test(id)) throw new CodecKeyError(`the codec key set ${source}: key id "${id}" must match ${KEY_ID.source}`);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 32) throw new CodecKeyError(`the codec key set ${source}: key "${id}" must be 32 bytes in base64 (AES-256), e.g. from \`openssl rand -base64 32\``);
    parsed.set(id, bytes);
  }
  const currentId = current === undefined && parsed.size === 1 ? [...parsed.keys()][0] : typeof current === 'string' || typeof current === 'number' ? String(current) : '';
  if (!parsed.has(currentId)) throw new CodecKeyError(`the codec key set ${source}: "current" (${currentId || 'missing'}) must name one of its keys (${[...parsed.keys()].join(', ') || 'none'})`);
  return { currentKeyId: currentId, keys: parsed };
}

/** Loads the key set a reference names. Inline values are refused. */
export function loadCodecKeySet(reference: string, env: NodeJS.ProcessEnv = process.env): CodecKeySet {
  let scheme: string;
  try {
    scheme = parseCredentialReference(reference).scheme;
  } catch (err) {
    throw new CodecKeyError(`${CODEC_KEYS_ENV}: ${(err as Error).message}`);
  }
  if (scheme !== 'file' && scheme !== 'env') {
    throw new CodecKeyError(`${CODEC_KEYS_ENV} must be a reference, file:/path or env:NAME, to the key set; keys are never given inline`);
  }
  try {
    return parseCodecKeySet(new SecretResolver({ env }).resolve(reference, 'payload codec keys').reveal(), reference);
  } catch (err) {
    if (err instanceof CredentialResolutionError) throw new CodecKeyError(err.message);
    throw err;
  }
}
