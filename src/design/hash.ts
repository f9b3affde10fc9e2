import { createHash } from 'node:crypto';
import type { DesignSource } from './load';

/**
 * A content hash of design sources: `sha256:<hex>` over the sources' texts in order, normalised
 * (byte-order mark removed, CRLF and CR line ends as LF, trailing empty lines removed), each
 * length-prefixed. File names are not part of it: the same
 * documents read from another folder hash the same. Not pure (node:crypto); hash in activities.
 */
export function designHash(sources: ReadonlyArray<DesignSource>): string {
  const h = createHash('sha256');
  for (const s of sources) {
    const text = normalise(s.text);
    h.update(`${Buffer.byteLength(text, 'utf8')}\n`);
    h.update(text, 'utf8');
  }
  return `sha256:${h.digest('hex')}`;
}

export function normalise(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/\n+$/, '\n');
}
