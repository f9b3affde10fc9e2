import { realpath } from 'node:fs/promises';
import { isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesignRef } from '../contracts/deployment';
import { designHash } from '../design/hash';
import type { DesignSource } from '../design/load';
import { DesignReadError, readDesignSources } from '../design/read-files';
import { badRequest } from './errors';

/**
 * Drydock's design references, read by the API server itself before anything starts:
 *
 * - `file:///path`: only under a configured root (`--design-root`), after resolving symbolic
 *   links, so `..` and links cannot leave it. The workflow gets the path and the content hash
 *   (the worker reads the same files and refuses if they changed).
 * - `http(s)://host/...` and `deckhand+http(s)://host/...` (Deckhand's rendered-documents): only
 *   hosts on the allow list (`--allow-host`, `host` or `host:port`), within a size and a time
 *   limit, following at most a few redirects and each only to an allowed host. The workflow gets
 *   the documents inline, so no worker ever fetches a URL a caller chose.
 *
 * Drydock fetches any URL it is given (a server-side request forgery); this never does.
 */
export interface DesignRefOptions {
  roots: string[];
  allowHosts: string[];
  /** Largest design accepted, in bytes (default 4 MiB: inline designs go into workflow history). */
  maxBytes?: number;
  /** Time for one fetch, redirects included (default 15 s). */
  timeoutMs?: number;
  maxRedirects?: number;
}

export interface ResolvedDesign {
  /** What the workflow gets. */
  ref: DesignRef;
  sources: DesignSource[];
  hash: string;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export class DesignRefResolver {
  private readonly allow: Set<string>;

  constructor(private readonly options: DesignRefOptions) {
    this.allow = new Set(options.allowHosts.map((h) => h.toLowerCase()));
  }

  get maxBytes(): number {
    return this.options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  async resolve(designRef: unknown): Promise<ResolvedDesign> {
    if (typeof designRef !== 'string' || designRef.trim() === '') throw badRequest('design_ref must be a URL: file:///path, http(s)://host/path or deckhand+http(s)://host/path');
    let url: URL;
    try {
      url = new URL(designRef);
    } catch {
      throw badRequest(`design_ref "${designRef.slice(0, 200)}" is not a URL: use file:///path, http(s)://host/path or deckhand+http(s)://host/path`);
    }
    switch (url.protocol) {
      case 'file:':
        return this.resolveFile(url);
      case 'http:':
      case 'https:':
        return this.resolveHttp(url, designRef);
      case 'deckhand+http:':
      case 'deckhand+https:':
        return this.resolveHttp(new URL(designRef.replace(/^deckhand\+/i, '')), designRef);
      default:
        throw badRequest(`design_ref scheme "${url.protocol.replace(/:$/, '')}" is not supported: use file, http, https, deckhand+http or deckhand+https`);
    }
  }

  private async resolveFile(url: URL): Promise<ResolvedDesign> {
    if (url.host !== '' && url.host !== 'localhost') throw badRequest(`design_ref ${url.href}: file references name no host (file:///path)`);
    const path = fileURLToPath(url);
    if (!isAbsolute(path)) throw badRequest(`design_ref ${url.href}: the path must be absolute`);
    const roots = await Promise.all(this.options.roots.map((r) => realpath(r).catch(() => undefined)));
    const usable = roots.filter((r): r is string => r !== undefined);
    if (usable.length === 0) throw badRequest(`design_ref ${url.href}: this server reads no files (start it with --design-root to allow a folder)`);
    const inside = (p: string): boolean => usable.some((root) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep));
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw badRequest(`design_ref ${url.href}: no such file or folder under the design roots`);
    }
    if (!inside(real)) throw badRequest(`design_ref ${url.href} is outside the design roots this server reads (${this.options.roots.join(', ')})`);
    let sources: DesignSource[];
    try {
      sources = await readDesignSources([real]);
    } catch (err) {
      if (err instanceof DesignReadError) throw badRequest(`design_ref ${url.href}: ${err.message}`);
      throw err;
    }
    // A link inside a design folder may point anywhere: every file read must be inside too.
    for (const s of sources) {
      const file = await realpath(s.name);
      if (!inside(file)) throw badRequest(`design_ref ${url.href}: ${s.name} links outside the design roots`);
    }
    const size = sources.reduce((n, s) => n + Buffer.byteLength(s.text, 'utf8'), 0);
    if (size > this.maxBytes) throw badRequest(`design_ref ${url.href} is ${size} bytes, more than the ${this.maxBytes} this server accepts`);
    const hash = designHash(sources);
    return { ref: { type: 'path', paths: [real], sha256: hash }, sources, hash };
  }

  private allowed(url: URL): boolean {
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const host = url.hostname.toLowerCase();
    return this.allow.has(host) || this.allow.has(`${host}:${port}`);
  }

  private async resolveHttp(start: URL, original: string): Promise<ResolvedDesign> {
    if (start.username || start.password) throw badRequest(`design_ref ${start.protocol}//${start.host}...: credentials in the URL are refused (they would be logged and kept in history)`);
    const shown = `${start.protocol}//${start.host}${start.pathname}`;
    if (!this.allowed(start)) throw badRequest(`design_ref host ${start.host} is not on this server's allow list (--allow-host); refused without a request`);
    const deadline = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    let url = start;
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await fetch(url, { redirect: 'manual', signal: deadline, headers: { Accept: 'application/x-yaml, text/yaml, text/plain, */*' } });
      } catch (err) {
        const why = deadline.aborted ? `no answer within ${(this.options.timeoutMs ?? 15_000) / 1000} s` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
        throw badRequest(`design_ref ${shown} is unreachable: ${why}`);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        await response.body?.cancel();
        if (hop >= (this.options.maxRedirects ?? 3)) throw badRequest(`design_ref ${shown}: more than ${this.options.maxRedirects ?? 3} redirects`);
        const next = new URL(response.headers.get('location') as string, url);
        if ((next.protocol !== 'http:' && next.protocol !== 'https:') || !this.allowed(next)) {
          throw badRequest(`design_ref ${shown} redirects to ${next.protocol}//${next.host}, which is not on this server's allow list; refused`);
        }
        url = next;
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw badRequest(`design_ref ${shown}: the design server answered ${response.status}`);
      }
      const text = await this.readLimited(response, shown, deadline);
      const sources = [{ name: original.split('?')[0], text }];
      const hash = designHash(sources);
      return { ref: { type: 'inline', sources }, sources, hash };
    }
  }

  private async readLimited(response: Response, shown: string, deadline: AbortSignal): Promise<string> {
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      await response.body?.cancel();
      throw badRequest(`design_ref ${shown} is ${declared} bytes, more than the ${this.maxBytes} this server accepts`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (!response.body) return '';
    try {
      // Node's web streams are async iterables of bytes.
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.maxBytes) throw badRequest(`design_ref ${shown} is more than the ${this.maxBytes} bytes this server accepts`);
        chunks.push(chunk);
      }
    } catch (err) {
      if (deadline.aborted) throw badRequest(`design_ref ${shown}: the design did not arrive within ${(this.options.timeoutMs ?? 15_000) / 1000} s`);
      throw err;
    }
    const buf = Buffer.concat(chunks);
    if (buf.includes(0)) throw badRequest(`design_ref ${shown} is not a text document`);
    return buf.toString('utf8');
  }
}
