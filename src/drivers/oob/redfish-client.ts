import axios, { AxiosInstance, AxiosResponse, isAxiosError } from 'axios';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../context';
import { DriverError } from '../errors';
import { abortReason, BmcLocks } from './bmc-lock';
import type { OobTarget } from './interface';
import { bmcKey, OobParams, PowerSettings, powerSettings, requireAddress } from './params';
import { httpErrorKind, isBusy, networkError, parseRetryAfter, redfishMessage } from './redfish-errors';
import { followTaskMonitor, WriteResult } from './redfish-task';

/**
 * HTTP plumbing for the Redfish driver: one connection per action, authenticated with a Redfish
 * session where the service offers one and with basic authentication otherwise; every request
 * goes through the per-BMC lock, retries 409/429/503 (after Retry-After) and "not ready" MessageIds
 * with backoff, follows same-origin redirects (sushy-tools answers 307 for a System requested by
 * name) and task monitors, and maps failures onto the driver error taxonomy. No error, log line or detail carries the password or the session token.
 */
export interface RedfishSettings extends PowerSettings {
  baseUrl: string;
  key: string;
  useHttps: boolean;
  insecure: boolean;
  caBundle?: string;
  /** System Id, Name or UUID; required when the service has more than one System. */
  systemId?: string;
  auth: 'auto' | 'session' | 'basic';
  requestTimeoutMs: number;
  /** How many 409/429/503 answers to wait out (per request) before failing with BmcBusy. */
  busyRetries: number;
  /** The longest Retry-After honoured inside the action; longer waits fail with BmcBusy and
   * leave the wait to the activity's retry policy. */
  maxRetryAfterMs: number;
  /** The first wait before retrying a busy answer without Retry-After; it doubles each time (max 30 s). */
  busyBackoffMs: number;
  /** How long a Redfish task monitor (202 + Location of a Task) is followed before BmcTimeout. */
  taskTimeoutMs: number;
}

export function redfishSettings(target: OobTarget): RedfishSettings {
  const address = requireAddress(target);
  const params = new OobParams(target);
  const useHttps = params.boolean('use_https', true);
  const defaultPort = useHttps ? 443 : 80;
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return {
    ...powerSettings(params),
    baseUrl: `${useHttps ? 'https' : 'http'}://${host}:${target.port ?? defaultPort}`,
    key: bmcKey(target, defaultPort),
    useHttps,
    insecure: params.boolean('insecure', false),
    caBundle: params.string('ca_bundle'),
    systemId: params.string('system_id'),
    auth: params.choice('auth', ['auto', 'session', 'basic'] as const, 'auto'),
    requestTimeoutMs: params.secondsAsMs('request_timeout_s', 30, { min: 1, max: 600 }),
    busyRetries: params.integer('busy_retries', 5, { min: 0, max: 100 }),
    maxRetryAfterMs: params.secondsAsMs('max_retry_after_s', 60, { min: 0, max: 3600 }),
    busyBackoffMs: params.integer('busy_backoff_ms', 1000, { min: 10, max: 30_000 }),
    taskTimeoutMs: params.secondsAsMs('task_timeout_s', 300, { min: 1, max: 7200 }),
  };
}

/** The parts of a Redfish resource the driver reads; everything else passes through untyped. */
export interface RedfishResource {
  '@odata.id'?: string;
  [key: string]: unknown;
}

export interface Fetched<T> {
  data: T;
  /** The path the resource was finally read from (after redirects). */
  path: string;
  etag?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class RedfishConnection {
  private authHeaders: Record<string, string> = {};
  private sessionPath?: string;
  /** How the connection authenticated, for messages. */
  authMode: 'none' | 'basic' | 'session' = 'none';
  root: RedfishResource = {};

  private constructor(
    private readonly http: AxiosInstance,
    private readonly target: OobTarget,
    readonly settings: RedfishSettings,
    private readonly ctx: ActionContext,
    private readonly locks: BmcLocks,
  ) {}

  /** Reads the service root and authenticates. Close the connection when done (it deletes the session). */
  static async open(target: OobTarget, settings: RedfishSettings, ctx: ActionContext, locks: BmcLocks): Promise<RedfishConnection> {
    let ca: Buffer | undefined;
    if (settings.caBundle) {
      try {
        ca = readFileSync(settings.caBundle);
      } catch (err) {
        throw new DriverError('bmc', 'InvalidRequest', `node ${target.node}: cannot read the CA bundle ${settings.caBundle} (oob param ca_bundle): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, {
          target: target.node,
        });
      }
    }
    const http = axios.create({
      baseURL: settings.baseUrl,
      timeout: settings.requestTimeoutMs,
      maxRedirects: 0,
      proxy: false, // a BMC network is never reached through the worker's HTTP proxy
      validateStatus: () => true,
      headers: { Accept: 'application/json', 'OData-Version': '4.0' },
      httpsAgent: settings.useHttps ? new HttpsAgent({ ca, rejectUnauthorized: !settings.insecure }) : undefined,
    });
    const connection = new RedfishConnection(http, target, settings, ctx, locks);
    await connection.authenticate();
    return connection;
  }

  private get node(): string {
    return this.target.node;
  }

  private async authenticate(): Promise<void> {
    const { username, password } = this.target;
    let rootResponse = await this.request('GET', '/redfish/v1/', { allow: [401] });
    if (rootResponse.status === 401 && username && password) {
      // The service root is unauthenticated by the standard; a few BMCs want credentials anyway.
      this.useBasic();
      rootResponse = await this.request('GET', '/redfish/v1/');
    }
    if (rootResponse.status === 401) throw this.authError(rootResponse, 'the service root');
    this.root = asResource(rootResponse.data, this.node, 'the service root');

    const offersSessions = this.root.SessionService !== undefined;
    const mode = this.settings.auth === 'auto' ? (offersSessions ? 'session' : 'basic') : this.settings.auth;
    if (!username || !password) {
      // No credentials in the design: try without; a 401 later says what is missing.
      return;
    }
    if (mode === 'basic') {
      this.useBasic();
      return;
    }
    if (!offersSessions) {
      throw new DriverError('bmc', 'Unsupported', `node ${this.node}: oob param auth is "session" but the Redfish service at ${this.settings.baseUrl} advertises no SessionService; use auth: basic or auto`, {
        target: this.node,
      });
    }
    const links = this.root.Links as { Sessions?: { '@odata.id'?: string } } | undefined;
    const sessionsPath = links?.Sessions?.['@odata.id'] ?? '/redfish/v1/SessionService/Sessions';
    const response = await this.request('POST', sessionsPath, { body: { UserName: username, Password: password.reveal() }, allow: [400, 401, 403] });
    if (response.status >= 400) throw this.authError(response, 'the session service');
    const token = header(response, 'x-auth-token');
    if (!token) {
      throw new DriverError('bmc', 'Unsupported', `node ${this.node}: the Redfish session service at ${this.settings.baseUrl}${sessionsPath} created a session but returned no X-Auth-Token header`, {
        target: this.node,
      });
    }
    this.authHeaders = { 'X-Auth-Token': token };
    const data = response.data as RedfishResource | undefined;
    this.sessionPath = header(response, 'location') ?? (typeof data === 'object' && data ? data['@odata.id'] : undefined);
    this.authMode = 'session';
  }

  private useBasic(): void {
    const { username, password } = this.target;
    if (!username || !password) return;
    this.authHeaders = { Authorization: `Basic ${Buffer.from(`${username}:${password.reveal()}`).toString('base64')}` };
    this.authMode = 'basic';
  }

  private authError(response: AxiosResponse, what: string): DriverError {
    const who = this.target.username ? `user ${this.target.username}` : 'no credentials (set oob.account and oob.credential)';
    return new DriverError('bmc', 'AuthFailed', `node ${this.node}: the Redfish service at ${this.settings.baseUrl} refused ${who} at ${what} (HTTP ${response.status}${redfishMessage(response.data, ': ')}); check the account and the credential the design references`, {
      target: this.node,
      details: { status: response.status, authMode: this.authMode },
    });
  }

  /** Deletes the Redfish session, if one was made. Never throws: a failed delete is logged
   * (the BMC expires the session on its own). Runs even after cancellation, with its own timeout. */
  async close(): Promise<void> {
    if (!this.sessionPath) return;
    const location = this.sessionPath;
    this.sessionPath = undefined;
    let path: string;
    try {
      // The session's Location comes from the BMC: the token goes only to the service root's origin.
      path = this.sameOrigin(location, 'DELETE', '/redfish/v1/');
    } catch {
      this.ctx.log(`node ${this.node}: the Redfish session's Location is not on ${new URL(this.settings.baseUrl).origin}; not deleting it there (the BMC expires it)`);
      this.authHeaders = {};
      return;
    }
    try {
      const response = await this.http.request({ method: 'DELETE', url: path, headers: this.authHeaders, signal: AbortSignal.timeout(5_000) });
      if (response.status >= 300) this.ctx.log(`node ${this.node}: deleting the Redfish session answered HTTP ${response.status}`);
    } catch (err) {
      this.ctx.log(`node ${this.node}: could not delete the Redfish session: ${isAxiosError(err) ? (err.code ?? 'error') : 'error'}`);
    }
    this.authHeaders = {};
  }

  async get<T extends RedfishResource = RedfishResource>(path: string, what: string): Promise<Fetched<T>> {
    const response = await this.request('GET', path);
    const data = asResource(response.data, this.node, what) as T;
    return { data, path: finalPath(response, path), etag: etagOf(response) };
  }

  /**
   * PATCH of one resource with its ETag in If-Match (the header's, else the body's `@odata.etag`,
   * of that resource). A 412 (stale tag) or 428 (tag required) re-reads the resource once and
   * retries with its current tag. A 202 is followed (see `followAccepted`).
   */
  async patch(path: string, body: unknown, etag?: string): Promise<WriteResult> {
    const send = (tag?: string): Promise<AxiosResponse> =>
      this.request('PATCH', path, { body, headers: { 'Content-Type': 'application/json', ...(tag ? { 'If-Match': tag } : {}) }, allow: [412, 428] });
    let response = await send(etag);
    if (response.status === 412 || response.status === 428) {
      const fresh = await this.get(path, `the resource ${path}`);
      this.ctx.log(`node ${this.node}: PATCH ${path} answered HTTP ${response.status}; re-read its ETag and retrying once`);
      response = await send(fresh.etag);
      if (response.status === 412 || response.status === 428) throw this.httpError('PATCH', path, response);
    }
    return this.followAccepted('PATCH', path, response);
  }

  async post(path: string, body: unknown): Promise<WriteResult> {
    const response = await this.request('POST', path, { body, headers: { 'Content-Type': 'application/json' } });
    return this.followAccepted('POST', path, response);
  }

  /**
   * A 202 with a Location: a Redfish task monitor (DSP0266 "Asynchronous operations"), followed
   * by `followTaskMonitor` (redfish-task.ts) to its end or to a pending iDRAC job.
   */
  private async followAccepted(method: string, path: string, response: AxiosResponse): Promise<WriteResult> {
    const location = response.status === 202 ? header(response, 'location') : undefined;
    if (!location) return { response };
    const monitor = this.sameOrigin(location, method, path);
    const { baseUrl, taskTimeoutMs, pollIntervalMs } = this.settings;
    return followTaskMonitor((url) => this.request('GET', url, { allow: [202] }), { node: this.node, baseUrl, taskTimeoutMs, pollIntervalMs, signal: this.ctx.signal }, method, path, monitor, response);
  }

  /**
   * One request with redirects and busy-retries; statuses in `allow` are returned instead of
   * thrown. Everything else outside 2xx becomes a DriverError.
   */
  async request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; allow?: number[] } = {}): Promise<AxiosResponse> {
    let url = path;
    let redirects = 0;
    let busy = 0;
    for (;;) {
      const response = await this.send(method, url, options.body, options.headers);
      if (REDIRECTS.has(response.status) && redirects < 3) {
        const location = header(response, 'location');
        if (location) {
          url = this.sameOrigin(location, method, url);
          redirects += 1;
          continue;
        }
      }
      if (isBusy(response)) {
        const retryAfterMs = parseRetryAfter(header(response, 'retry-after'));
        const waitMs = retryAfterMs ?? Math.min(this.settings.busyBackoffMs * 2 ** busy, 30_000);
        if (busy >= this.settings.busyRetries || waitMs > this.settings.maxRetryAfterMs) {
          throw new DriverError('bmc', 'Busy', `node ${this.node}: the BMC at ${this.settings.baseUrl} kept answering ${method} ${url} with HTTP ${response.status} (${busy + 1} times${retryAfterMs !== undefined ? `, Retry-After ${Math.ceil(retryAfterMs / 1000)} s` : ''})${redfishMessage(response.data, ': ')}`, {
            target: this.node,
            details: { status: response.status, method, path: url, attempts: busy + 1 },
            retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
          });
        }
        busy += 1;
        this.ctx.log(`node ${this.node}: ${method} ${url} answered HTTP ${response.status}; retrying in ${waitMs} ms (${busy}/${this.settings.busyRetries})`);
        await sleep(waitMs, undefined, { signal: this.ctx.signal });
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || options.allow?.includes(response.status)) return response;
      throw this.httpError(method, url, response);
    }
  }

  private async send(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<AxiosResponse> {
    try {
      return await this.locks.run(this.settings.key, () => this.http.request({ method, url, data: body, headers: { ...this.authHeaders, ...headers }, signal: this.ctx.signal }), {
        signal: this.ctx.signal,
      });
    } catch (err) {
      if (this.ctx.signal.aborted) throw abortReason(this.ctx.signal);
      throw networkError(this.node, this.settings, method, url, err);
    }
  }

  private sameOrigin(location: string, method: string, from: string): string {
    const base = new URL(this.settings.baseUrl);
    const next = new URL(location, new URL(from, base));
    if (next.origin !== base.origin) {
      throw new DriverError('bmc', 'Unsupported', `node ${this.node}: ${method} ${from} redirects to another origin (${next.origin}); credentials are only sent to ${base.origin}`, {
        target: this.node,
      });
    }
    return `${next.pathname}${next.search}`;
  }

  private httpError(method: string, url: string, response: AxiosResponse): DriverError {
    const status = response.status;
    if (status === 401 || status === 403) return this.authError(response, `${method} ${url}`);
    return new DriverError('bmc', httpErrorKind(status), `node ${this.node}: Redfish ${method} ${url} at ${this.settings.baseUrl} answered HTTP ${status}${redfishMessage(response.data, ': ')}`, {
      target: this.node,
      details: { status, method, path: url },
    });
  }
}

/** The resource's ETag: the header, else the body's `@odata.etag` (Lenovo, AMI, Supermicro send only that). */
function etagOf(response: AxiosResponse): string | undefined {
  const inBody = response.data !== null && typeof response.data === 'object' ? (response.data as RedfishResource)['@odata.etag'] : undefined;
  return header(response, 'etag') ?? (typeof inBody === 'string' && inBody !== '' ? inBody : undefined);
}

function header(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function finalPath(response: AxiosResponse, fallback: string): string {
  const path = (response.config.url ?? fallback).replace(/^https?:\/\/[^/]+/, '');
  return path || fallback;
}

function asResource(data: unknown, node: string, what: string): RedfishResource {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DriverError('bmc', 'Unsupported', `node ${node}: ${what} is not a Redfish JSON resource`, { target: node });
  }
  return data as RedfishResource;
}

