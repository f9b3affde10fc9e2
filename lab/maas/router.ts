import { ApiError, Params } from './http';
import type { EmuModel } from './model';

/**
 * Routes of the emulated MAAS API: a path pattern below /MAAS/api/2.0/, a method and an `op`
 * (null: the plain REST verb). The template (`POST machines/{system_id}/?op=deploy`) is what the
 * emulator counts requests by.
 */
export interface RouteContext {
  model: EmuModel;
  method: string;
  /** Query and body fields together (MAAS reads op from either). */
  params: Params;
  match: string[];
}

export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly text = false,
  ) {}
}

export type Handler = (ctx: RouteContext) => unknown;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  op: string | null;
  handler: Handler;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  template: string;
}

export class UnknownEndpoint extends ApiError {
  constructor(path: string) {
    super(404, `Unknown API endpoint: /MAAS/api/2.0/${path}.`);
  }
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(method: Route['method'], path: string, op: string | null, handler: Handler): void {
    // `{name}` matches one path segment; `partition[s]?` style alternatives are written as-is.
    const regex = new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`);
    this.routes.push({ method, path, op, handler, regex, template: `${method} ${path}${op ? `?op=${op}` : ''}` });
  }

  get(path: string, handler: Handler, op: string | null = null): void {
    this.add('GET', path, op, handler);
  }

  post(path: string, handler: Handler, op: string | null = null): void {
    this.add('POST', path, op, handler);
  }

  put(path: string, handler: Handler): void {
    this.add('PUT', path, null, handler);
  }

  delete(path: string, handler: Handler): void {
    this.add('DELETE', path, null, handler);
  }

  /** Every route, in the order added (for the describe document and the table tests). */
  list(): Array<Pick<Route, 'method' | 'path' | 'op'>> {
    return this.routes.map(({ method, path, op }) => ({ method, path, op }));
  }

  /** Finds the route; throws MAAS's answers for an unknown path (404), verb (405) or op (400). */
  resolve(method: string, path: string, op: string | null): { route: CompiledRoute; match: string[] } {
    const byPath = this.routes.map((r) => ({ r, m: r.regex.exec(path) })).filter((x) => x.m !== null);
    // urls.py ends with `^.*` -> not_found_handler: "Unknown API endpoint: <path>." (no auth needed)
    if (byPath.length === 0) throw new UnknownEndpoint(path);
    const byMethod = byPath.filter((x) => x.r.method === method);
    if (byMethod.length === 0) throw new ApiError(405, `Method ${method} not allowed`);
    const exact = byMethod.find((x) => x.r.op === op);
    if (!exact) throw new ApiError(400, `Unrecognised signature: method=${method} op=${op ?? ''}`);
    return { route: exact.r, match: exact.m!.slice(1).map((s) => decodeURIComponent(s)) };
  }

  /** The counting key of a request that matched no route. */
  static unmatchedTemplate(method: string, path: string, op: string | null): string {
    return `${method} ${path}${op ? `?op=${op}` : ''} (unknown)`;
  }
}
