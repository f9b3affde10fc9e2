/**
 * A typed client of drydock-temporal's REST API v1.0 (Drydock's API), for services that talk
 * HTTP rather than Temporal. It sends what Drydock's own Python client sends: the token as
 * X-Auth-Token, X-Context-Marker and X-End-User when given, JSON bodies.
 *
 *   const api = new DrydockApiClient({ baseUrl: 'http://127.0.0.1:9000', token });
 *   const task = await api.createTask({ action: 'deploy_nodes', design_ref: 'file:///designs/site' });
 */
import type { DrydockNodeFilter } from '../api/node-filter';
import type { NodeReportEntry } from '../api/site-services';
import type { TaskDocument } from '../api/tasks';
import type { ValidationStatus } from '../api/validation';

export type { DrydockNodeFilter, NodeReportEntry, TaskDocument, ValidationStatus };

export interface DrydockApiClientOptions {
  /** e.g. http://127.0.0.1:9000 (without /api). */
  baseUrl: string;
  /** A token, or a function giving one (called per request, e.g. to refresh). */
  token?: string | (() => string | Promise<string>);
  contextMarker?: string;
  endUser?: string;
  timeoutMs?: number;
}

export class DrydockApiError extends Error {
  override name = 'DrydockApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export interface CreateTaskRequest {
  action: string;
  design_ref: string;
  node_filter?: DrydockNodeFilter | null;
}

export interface GetTaskOptions {
  builddata?: boolean;
  subtaskerrors?: boolean;
  /** -1: every layer. */
  layers?: number;
}

export class DrydockApiClient {
  constructor(private readonly options: DrydockApiClientOptions) {}

  private async request<T>(method: string, path: string, body?: unknown, raw = false): Promise<{ status: number; data: T; headers: Headers }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    if (token) headers['X-Auth-Token'] = token;
    if (this.options.contextMarker) headers['X-Context-Marker'] = this.options.contextMarker;
    if (this.options.endUser) headers['X-End-User'] = this.options.endUser;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/api/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let data: unknown = text;
    if (!raw && text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!response.ok && !(path === 'v1.0/validatedesign' && response.status === 400 && (data as { kind?: string }).kind === 'Status')) {
      const message = (data as { message?: string } | undefined)?.message ?? text;
      throw new DrydockApiError(response.status, `${method} /api/${path}: ${response.status} ${message}`, data);
    }
    return { status: response.status, data: data as T, headers: response.headers };
  }

  async versions(): Promise<Record<string, { path: string; status: string }>> {
    const r = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/versions`);
    return (await r.json()) as Record<string, { path: string; status: string }>;
  }

  /** true when /health answers 204. */
  async healthy(): Promise<boolean> {
    try {
      return (await this.request<string>('GET', 'v1.0/health', undefined, true)).status === 204;
    } catch (err) {
      if (err instanceof DrydockApiError && err.status === 503) return false;
      throw err;
    }
  }

  async healthExtended(): Promise<Record<string, unknown>> {
    return (await this.request<Record<string, unknown>>('GET', 'v1.0/health/extended')).data;
  }

  async createTask(task: CreateTaskRequest): Promise<TaskDocument> {
    return (await this.request<TaskDocument>('POST', 'v1.0/tasks', { action: task.action, design_ref: task.design_ref, node_filter: task.node_filter ?? null })).data;
  }

  async getTasks(): Promise<TaskDocument[]> {
    return (await this.request<TaskDocument[]>('GET', 'v1.0/tasks')).data;
  }

  async getTask(taskId: string, options: GetTaskOptions = {}): Promise<TaskDocument & Record<string, unknown>> {
    const query: string[] = [];
    if (options.builddata) query.push('builddata=true');
    if (options.subtaskerrors) query.push('subtaskerrors=true');
    if (options.layers) query.push(`layers=${options.layers}`);
    return (await this.request<TaskDocument & Record<string, unknown>>('GET', `v1.0/tasks/${encodeURIComponent(taskId)}${query.length ? `?${query.join('&')}` : ''}`)).data;
  }

  async deleteTasks(days?: number): Promise<void> {
    await this.request<string>('DELETE', `v1.0/tasks?days=${days ?? 90}`, undefined, true);
  }

  /** Polls a task until it is complete or terminated. */
  async waitForTask(taskId: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<TaskDocument> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const task = await this.getTask(taskId);
      if (task.status === 'complete' || task.status === 'terminated') return task;
      if (Date.now() > deadline) throw new Error(`task ${taskId} is still ${task.status} after ${(options.timeoutMs ?? 600_000) / 1000} s`);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
    }
  }

  /** Drydock's validation Status; `status` is Failure (and the HTTP code 400) for an invalid design. */
  async validateDesign(href: string): Promise<ValidationStatus> {
    return (await this.request<ValidationStatus>('POST', 'v1.0/validatedesign', { href })).data;
  }

  async getNodesForFilter(designRef: string, nodeFilter?: DrydockNodeFilter | null): Promise<string[]> {
    return (await this.request<string[]>('POST', 'v1.0/nodefilter', { node_filter: nodeFilter ?? null, design_ref: designRef })).data;
  }

  async getNodes(): Promise<NodeReportEntry[]> {
    return (await this.request<NodeReportEntry[]>('GET', 'v1.0/nodes')).data;
  }
}
