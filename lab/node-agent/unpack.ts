/**
 * Unpacking a boot-action tarball as the node's fetch script does (`tar -xzf FILE -C /
 * --no-same-owner`, run as root, which keeps the archive's modes: GNU tar's
 * --preserve-permissions is the superuser's default, so the agent passes -p to get the same as
 * any user), with the real GNU tar into the node's own root folder, then reading back what landed
 * there. Nobody here wrote GNU tar: what it extracts is what a node would get.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UnpackedEntry {
  /** The archive's name (relative, as GNU tar lists it). */
  name: string;
  /** The absolute path on the node: `/` + name. */
  path: string;
  /** Mode bits as extracted (permissions & 07777), or undefined for what is not a regular file. */
  mode?: number;
}

export interface Unpacked {
  entries: UnpackedEntry[];
  problems: string[];
}

/** Unpacks `tgz` (the body of GET .../units or .../files) under `root`, keeping it as the script
 * does at /var/lib/drydock/<kind>.tar.gz. */
export function unpackTarball(tgz: Buffer, root: string, kind: 'units' | 'files'): Unpacked {
  const problems: string[] = [];
  // gzip's magic number (RFC 1952 2.3.1: ID1 31, ID2 139).
  if (tgz.length < 2 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) return { entries: [], problems: [`${kind}: the answer is not gzip data`] };
  const keep = join(root, 'var', 'lib', 'drydock');
  mkdirSync(keep, { recursive: true });
  const file = join(keep, `${kind}.tar.gz`);
  writeFileSync(file, tgz, { mode: 0o600 });
  let names: string[];
  try {
    names = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
    execFileSync('tar', ['-xzpf', file, '-C', root, '--no-same-owner'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return { entries: [], problems: [`${kind}: GNU tar cannot read the tarball: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`] };
  }
  const entries: UnpackedEntry[] = [];
  for (const name of names) {
    if (name.startsWith('/') || name.split('/').includes('..')) {
      problems.push(`${kind}: entry ${name} is not a path under /`);
      continue;
    }
    const st = lstatSync(join(root, name), { throwIfNoEntry: false });
    const entry: UnpackedEntry = { name, path: `/${name.replace(/\/+$/, '')}` };
    if (st?.isFile()) entry.mode = st.mode & 0o7777;
    else problems.push(`${kind}: entry ${name} is not a regular file (${st ? 'a directory or link' : 'not extracted'})`);
    entries.push(entry);
  }
  return { entries, problems };
}

/** A file of the node's root, by its absolute path on the node. */
export function readNodeFile(root: string, path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** `KEY=value` lines of a systemd EnvironmentFile (systemd.exec(5): `#`/`;` comments, optional quotes). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  }
  return out;
}

/** A unit file's settings of one section (systemd.syntax(7): `[Section]`, `Key=value`). */
export function unitSettings(text: string, section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      current = s[1];
      continue;
    }
    const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (m && current === section) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}
