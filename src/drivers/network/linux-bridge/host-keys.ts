/**
 * Host key verification for switches: a pinned `SHA256:` fingerprint, or an OpenSSH known_hosts
 * file (plain and hashed host names, `[host]:port` for other ports, wildcards, `!` negation,
 * `@revoked`; `@cert-authority` lines are not used, since ssh2 does not verify host certificates).
 */
import { createHash, createHmac } from 'node:crypto';

export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** `SHA256:abc...` with or without base64 padding; anything else is null. */
export function normaliseFingerprint(text: string): string | null {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  return m ? `SHA256:${m[1]}` : null;
}

export interface KnownHostEntry {
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns, or a hashed name. */
  hosts: { patterns: string[] } | { salt: Buffer; hash: Buffer };
  keyType: string;
  keyBlob: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift()?.slice(1) as KnownHostEntry['marker'];
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    let hosts: KnownHostEntry['hosts'];
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(hostField);
    if (hashed) hosts = { salt: Buffer.from(hashed[1], 'base64'), hash: Buffer.from(hashed[2], 'base64') };
    else hosts = { patterns: hostField.split(',') };
    entries.push({ line: index + 1, marker, hosts, keyType, keyBlob: Buffer.from(keyBase64, 'base64') });
  });
  return entries;
}

function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if ('salt' in entry.hosts) {
    const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
    return digest.equals(entry.hosts.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export interface KnownKeys {
  /** Key blobs accepted for the host. */
  accepted: Array<{ keyType: string; keyBlob: Buffer; line: number }>;
  revoked: Buffer[];
}

/** The keys known_hosts holds for `host` on `port` (OpenSSH writes `[host]:port` unless 22). */
export function knownKeysFor(entries: KnownHostEntry[], host: string, port: number): KnownKeys {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const result: KnownKeys = { accepted: [], revoked: [] };
  for (const entry of entries) {
    if (entry.marker === 'revoked') {
      result.revoked.push(entry.keyBlob);
      continue;
    }
    if (entry.marker === 'cert-authority') continue;
    if (entryMatches(entry, name)) result.accepted.push({ keyType: entry.keyType, keyBlob: entry.keyBlob, line: entry.line });
  }
  return result;
}
