import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A JSON object as the captures hold it. */
export type Json = Record<string, unknown>;

/**
 * One captured Redfish service, read from a tree in DMTF's mockup layout: a folder per resource
 * holding `index.json`, folders matching the `@odata.id` paths (see ../shared/redfish-payloads/README.md).
 *
 * Two layouts occur: Redfish-Mockup-Creator and the PyPI samples keep the full path
 * (`<tree>/redfish/v1/Systems/1/index.json`); DMTF's Redfish-Publications mockups start at the
 * service root (`<tree>/index.json` is `/redfish/v1`).
 */
export interface CapturedTree {
  /** The folder read. */
  dir: string;
  /** Every resource by its normalised path (`/redfish/v1/Systems/1`, no trailing slash). */
  resources: Map<string, Json>;
}

/**
 * Normalises a request or `@odata.id` path: no query, no trailing slash, no doubled slashes.
 * HPE iLO 5 1.10 writes `@odata.id` with a trailing slash (pypi/hpe-ilo5-110/redfish/v1/Systems/1/index.json)
 * and Lenovo's service root names itself `/redfish/v1/` (libredfish/lenovo/redfish/v1/index.json);
 * both forms reach the same resource, as on those BMCs.
 */
export function normalisePath(path: string): string {
  let p = path.split('?')[0].split('#')[0].replace(/\/{2,}/g, '/');
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep the raw path: a malformed escape simply finds no resource
  }
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** Reads a captured tree. Throws, naming the folder, when it holds no service root. */
export function loadTree(dir: string): CapturedTree {
  const full = existsSync(join(dir, 'redfish', 'v1', 'index.json'));
  const rootDir = full ? join(dir, 'redfish', 'v1') : dir;
  if (!existsSync(join(rootDir, 'index.json'))) {
    throw new Error(`${dir}: no Redfish service root (neither redfish/v1/index.json nor index.json)`);
  }
  const resources = new Map<string, Json>();
  const walk = (folder: string, urlPath: string): void => {
    const index = join(folder, 'index.json');
    if (existsSync(index)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(index, 'utf8'));
      } catch (e) {
        throw new Error(`${index}: not JSON (${(e as Error).message})`);
      }
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) resources.set(normalisePath(urlPath), parsed as Json);
    }
    for (const name of readdirSync(folder)) {
      const child = join(folder, name);
      if (statSync(child).isDirectory()) walk(child, `${urlPath}/${name}`);
    }
  };
  walk(rootDir, '/redfish/v1');
  return { dir, resources };
}

/** A deep copy, so the served state never aliases the capture. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `@odata.id` of a link object, normalised, or undefined. */
export function linkOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const id = value['@odata.id'];
  return typeof id === 'string' ? normalisePath(id) : undefined;
}

/**
 * A new ETag for a changed resource, in the shape the capture uses: a weak `W/"…"` stays weak
 * (HPE: libredfish/hpe/redfish/v1/Systems/1/index.json), a strong one of N characters keeps N
 * (Lenovo, Supermicro, AMI captures). Derived from the content, so the same state has the same tag.
 */
export function etagLike(previous: string | undefined, resource: Json): string {
  const { ['@odata.etag']: _omit, ...rest } = resource;
  const digest = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
  const weak = previous?.startsWith('W/') ?? false;
  const inner = previous ? previous.replace(/^W\//, '').replace(/^"|"$/g, '') : '';
  const len = Math.min(Math.max(inner.length, 8), 40);
  const tag = `"${/^[0-9]+$/.test(inner) ? BigInt(`0x${digest.slice(0, 12)}`).toString().slice(0, len) : digest.slice(0, len)}"`;
  return weak ? `W/${tag}` : tag;
}
