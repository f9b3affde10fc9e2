/**
 * The gzipped tarball a node downloads from `/bootactions/nodes/{hostname}/units` or `/files`,
 * as Drydock's BootactionUtils.tarbuilder makes it: one regular file per asset at its path, with
 * its mode (0600 when none is given), owner and group 0, and a fixed mtime so the same assets
 * give the same bytes. Names are stored relative to `/` (Drydock stores the absolute path, which
 * GNU tar strips on extraction anyway); paths too long for ustar get a PAX `path` record.
 */
import { gzipSync } from 'node:zlib';
import type { RenderedAsset } from './render';

const BLOCK = 512;

export interface TarEntry {
  path: string;
  mode: number;
  bytes: Uint8Array;
}

export function tarEntries(assets: readonly RenderedAsset[]): TarEntry[] {
  return assets.filter((a) => a.type !== 'pkg_list' && a.path && a.bytes).map((a) => ({ path: a.path!, mode: a.mode, bytes: a.bytes! }));
}

export function buildTarball(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (!name || name.split('/').includes('..')) throw new Error(`asset path ${e.path} is not a file path under /`);
    const nameBytes = Buffer.from(name, 'utf8');
    let ustarName = name;
    let prefix = '';
    if (nameBytes.length > 100) {
      const split = splitName(name);
      if (split) [prefix, ustarName] = split;
      else {
        const record = paxRecord('path', name);
        blocks.push(header({ name: 'PaxHeader', prefix: '', mode: 0o644, size: record.length, type: 'x' }), pad(record));
        ustarName = name.slice(-100);
        while (Buffer.byteLength(ustarName) > 100) ustarName = ustarName.slice(1);
      }
    }
    blocks.push(header({ name: ustarName, prefix, mode: e.mode & 0o7777, size: e.bytes.length, type: '0' }), pad(Buffer.from(e.bytes)));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks));
}

function splitName(name: string): [string, string] | undefined {
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest) return [prefix, rest];
  }
  return undefined;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  len += String(len).length;
  if (String(len).length !== String(len - String(len).length).length) len++;
  return Buffer.from(`${len}${body}`, 'utf8');
}

function pad(b: Buffer): Buffer {
  const rest = b.length % BLOCK;
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(BLOCK - rest)]);
}

function header(h: { name: string; prefix: string; mode: number; size: number; type: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  const put = (s: string, off: number, len: number): void => {
    b.write(s, off, len, 'utf8');
  };
  const octal = (n: number, off: number, len: number): void => put(`${n.toString(8).padStart(len - 1, '0')}\0`, off, len);
  put(h.name, 0, 100);
  octal(h.mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(h.size, 124, 12);
  octal(0, 136, 12);
  b.fill(' ', 148, 156);
  put(h.type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  put(h.prefix, 345, 155);
  let sum = 0;
  for (const x of b) sum += x;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return b;
}
