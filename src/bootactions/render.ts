/**
 * Rendering a boot action's assets for one node, as Drydock's BootActionAsset.render does:
 * `location` through `location_pipeline`, fetched; else inline `data` as UTF-8 bytes; then
 * `data_pipeline`. A `pkg_list` fetched from a location is parsed as a YAML or JSON mapping of
 * package name to version. Errors name the boot action, the asset (index and path), the pipeline
 * segment and the template line.
 */
import { parse as parseYaml } from 'yaml';
import type { BootActionAsset, BootActionModel, NodeModel } from '../design/model';
import type { SiteContext } from '../contracts/site-context';
import { type ActionContextInput, templateContext } from './context';
import { PipelineError, pipelineBytes, pipelineText, runPipeline } from './pipeline';
import type { TemplateLimits } from './template';

/** Fetches an asset's rendered location; the REST API's design-reference rules (allow list, size
 * and time limits) belong in the implementation the caller passes. */
export type LocationFetcher = (url: string) => Promise<Uint8Array>;

/** Drydock's location schemes `deckhand+http(s)` and `promenade+http(s)` are plain HTTP(S) fetches. */
export function locationUrl(location: string): string {
  return location.replace(/^(deckhand|promenade)\+(https?):\/\//, '$2://');
}

export interface RenderedAsset {
  bootAction: string;
  index: number;
  type: BootActionAsset['type'];
  /** unit/file: absolute path on the node. */
  path?: string;
  /** unit/file: file mode (Drydock's default in the tarball is 0600). */
  mode: number;
  /** unit/file: the rendered contents. */
  bytes?: Uint8Array;
  /** pkg_list: package name -> version (null: any). */
  packages?: Record<string, string | null>;
}

export class AssetRenderError extends Error {
  constructor(
    readonly bootAction: string,
    readonly index: number,
    readonly path: string | undefined,
    readonly detail: string,
    readonly field: 'location' | 'data' | 'location_pipeline' | 'data_pipeline',
    readonly segment?: number,
    readonly line?: number,
  ) {
    super(`boot action ${bootAction}, asset ${index}${path ? ` (${path})` : ''}, ${field}${segment !== undefined ? `[${segment}]` : ''}: ${detail}`);
    this.name = 'AssetRenderError';
  }
}

export const DEFAULT_MODE = 0o600;

export function assetMode(asset: BootActionAsset): number {
  return asset.permissions !== undefined ? parseInt(asset.permissions, 8) : DEFAULT_MODE;
}

export interface RenderOptions {
  fetchLocation?: LocationFetcher;
  /** Only assets of this type (Drydock's `type_filter`). */
  type?: BootActionAsset['type'];
  limits?: Partial<TemplateLimits>;
}

export async function renderBootAction(action: BootActionModel, node: NodeModel, site: SiteContext, ctx: ActionContextInput, options: RenderOptions = {}): Promise<RenderedAsset[]> {
  const tplCtx = templateContext(node, site, ctx);
  const out: RenderedAsset[] = [];
  for (const [index, asset] of action.assets.entries()) {
    if (options.type && asset.type !== options.type) continue;
    const fail = (e: unknown, field: AssetRenderError['field']): never => {
      if (e instanceof PipelineError) throw new AssetRenderError(action.name, index, asset.path, e.message, field, e.segment, e.line);
      throw new AssetRenderError(action.name, index, asset.path, (e as Error).message, field);
    };
    let data: Uint8Array | undefined;
    if (asset.location !== undefined) {
      let url = asset.location;
      try {
        url = pipelineText(runPipeline({ kind: 'text', text: asset.location }, asset.locationPipeline, tplCtx, options.limits));
      } catch (e) {
        fail(e, 'location_pipeline');
      }
      if (!options.fetchLocation) fail(new Error(`cannot fetch ${url}: no location fetcher is configured`), 'location');
      try {
        data = await options.fetchLocation!(url);
      } catch (e) {
        fail(new Error(`cannot fetch ${url}: ${(e as Error).message}`), 'location');
      }
    }
    const base: RenderedAsset = { bootAction: action.name, index, type: asset.type, mode: assetMode(asset), ...(asset.path ? { path: asset.path } : {}) };
    if (asset.type === 'pkg_list') {
      out.push({ ...base, packages: data ? parsePackageList(data, (e) => fail(e, 'location')) : packagesOf(asset) });
      continue;
    }
    const input = data ?? new TextEncoder().encode(typeof asset.data === 'string' ? asset.data : '');
    try {
      out.push({ ...base, bytes: pipelineBytes(runPipeline({ kind: 'bytes', bytes: input }, asset.dataPipeline, tplCtx, options.limits)) });
    } catch (e) {
      fail(e, 'data_pipeline');
    }
  }
  return out;
}

function packagesOf(asset: BootActionAsset): Record<string, string | null> {
  return asset.data && typeof asset.data === 'object' ? { ...asset.data } : {};
}

function parsePackageList(data: Uint8Array, fail: (e: Error) => never): Record<string, string | null> {
  let parsed: unknown;
  try {
    parsed = parseYaml(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (e) {
    return fail(new Error(`invalid YAML in package list: ${(e as Error).message}`));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(new Error('package data should have a top-level mapping'));
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (v !== null && v !== '' && typeof v !== 'string') return fail(new Error(`package ${k}: keys and values must be strings`));
    out[k] = v ? v : null;
  }
  return out;
}
