/**
 * Boot-action identities. As in Drydock (orchestrator.create_bootaction_context), each deployment
 * gives a node one random 256-bit key and each of its boot actions a ULID. Here each boot action
 * also has its own key, derived from the node key (HMAC-SHA256 over the action id), so a report
 * for one action cannot be forged with another's key, while a node that presents its node key
 * (`X-Bootaction-Key` on the units/files downloads) lets the server render every action's
 * `action.action_key` without storing any key in cleartext. Only SHA-256 hashes are stored.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit millisecond time, 80 random bits, Crockford base32 (26 characters). */
export function newUlid(now: number = Date.now(), random: Uint8Array = randomBytes(10)): string {
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  let acc = 0;
  let bits = 0;
  for (const b of random) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A fresh node key: 32 random bytes, hex. */
export function newNodeKey(): string {
  return randomBytes(32).toString('hex');
}

/** The key of one boot action on a node, derived from the node key. */
export function actionKey(nodeKey: string, actionId: string): string {
  return createHmac('sha256', Buffer.from(nodeKey, 'hex')).update(`bootaction:${actionId}`).digest('hex');
}

/** What is stored: the SHA-256 of the key's bytes, hex. */
export function hashKey(key: string): string {
  return createHash('sha256').update(Buffer.from(key, 'hex')).digest('hex');
}

export type KeyCheck = 'ok' | 'missing' | 'invalid';

/**
 * Checks a presented `X-Bootaction-Key` against a stored hash, in constant time. Drydock answers
 * 401 for a missing key and 403 for a wrong one; `missing` and `invalid` map onto those.
 */
export function verifyKey(presented: string | undefined | null, storedHash: string): KeyCheck {
  if (presented === undefined || presented === null || presented === '') return 'missing';
  if (!/^[0-9a-fA-F]{64}$/.test(presented)) return 'invalid';
  const a = Buffer.from(hashKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b) ? 'ok' : 'invalid';
}
