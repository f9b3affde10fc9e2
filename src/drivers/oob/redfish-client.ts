import axios, { AxiosInstance, AxiosResponse, isAxiosError } from 'axios';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext } from '../context';
import { DriverError, ErrorKind } from '../errors';
import { abortReason, BmcLocks } from './bmc-lock';
import type { OobTarget } from './interface';
import { bmcKey, OobParams, PowerSettings, powerSettings, requireAddress } from './params';

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
const BUSY = new Set([409, 429, 503]);
/**
 * Answers that mean "not ready, try again" whatever their status, by `@Message.ExtendedInfo`
 * MessageId (the registry prefix and version vary, so the last segment is compared):
 * - SYS518: iDRAC "not ready" while the host is in POST or a job runs (OpenStack sushy retries
 *   exactly this: connector test_op_retry_on_server_500_sys518); the lab's Dell profile answers 500.
 * - InvalidOperationForSystemState: iLO 5 refusing a Reset while not ready (sushy's "iLO not
 *   ready" retry); its "Power is on/off" form (a reset into the current state) is not busy.
 * - UnableToModifyDuringSystemPOST: iLO 5 refusing a Boot PATCH in POST (metal-operator#997).
 * - ServiceTemporarilyUnavailable: the DMTF Base registry's own "try later".
 */
const BUSY_MESSAGE_IDS = new Set(['SYS518', 'InvalidOperationForSystemState', 'UnableToModifyDuringSystemPOST', 'ServiceTemporarilyUnavailable']);
/** Task states after which a task monitor stops (DSP0268 Task.TaskState). */
const TASK_DONE = new Set(['Completed', 'Exception', 'Killed', 'Cancelled', 'Interrupted']);

/** What a write led to: done now, or a vendor job that runs at the next reboot (Dell). */
export interface WriteResult {
  response: AxiosResponse;
  /** A 202 whose Location is a job the BMC runs at the next reboot (iDRAC JobState Scheduled). */
  pendingJob?: { id: string; path: string; state: string };
  /** A 202 whose Location was a Redfish task monitor, followed to its end. */
  task?: { path: string; state: string };
}
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

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
   * A 202 with a Location: a Redfish task monitor (DSP0266 "Asynchronous operations") is polled
   * until its Task ends or `task_timeout_s` passes (BmcTimeout); a task that ends in Exception or
   * Killed is OperationFailed. An iDRAC job (JobState, no TaskState) that is Scheduled runs at the
   * next reboot: it is returned as pending, not waited for.
   */
  private async followAccepted(method: string, path: string, response: AxiosResponse): Promise<WriteResult> {
    const location = response.status === 202 ? header(response, 'location') : undefined;
    if (!location) return { response };
    const monitor = this.sameOrigin(location, method, path);
    const deadline = Date.now() + this.settings.taskTimeoutMs;
    for (;;) {
      const polled = await this.request('GET', monitor, { allow: [202] });
      const body = polled.data !== null && typeof polled.data === 'object' ? (polled.data as RedfishResource) : {};
      const jobState = typeof body.JobState === 'string' ? body.JobState : undefined;
      const taskState = typeof body.TaskState === 'string' ? body.TaskState : undefined;
      if (jobState !== undefined && taskState === undefined && /^(Scheduled|New|Scheduling)$/.test(jobState)) {
        return { response, pendingJob: { id: typeof body.Id === 'string' ? body.Id : monitor.split('/').pop() ?? monitor, path: monitor, state: jobState } };
      }
      if (taskState !== undefined && TASK_DONE.has(taskState)) {
        if (taskState !== 'Completed') {
          throw new DriverError('bmc', 'OperationFailed', `node ${this.node}: ${method} ${path} at ${this.settings.baseUrl} started the task ${monitor}, which ended ${taskState}${redfishMessage({ error: { '@Message.ExtendedInfo': body.Messages } }, ': ')}`, {
            target: this.node,
            details: { method, path, task: monitor, taskState },
          });
        }
        return { response, task: { path: monitor, state: taskState } };
      }
      if (jobState === 'Completed') return { response, task: { path: monitor, state: jobState } };
      if (polled.status !== 202 && taskState === undefined && jobState === undefined) return { response, task: { path: monitor, state: 'Completed' } };
      if (Date.now() >= deadline) {
        throw new DriverError('bmc', 'Timeout', `node ${this.node}: the task ${monitor} started by ${method} ${path} at ${this.settings.baseUrl} had not ended after ${Math.round(this.settings.taskTimeoutMs / 1000)} s (state ${taskState ?? jobState ?? 'unknown'})`, {
          target: this.node,
          details: { method, path, task: monitor, state: taskState ?? jobState ?? null },
        });
      }
      await sleep(Math.min(this.settings.pollIntervalMs, Math.max(0, deadline - Date.now())), undefined, { signal: this.ctx.signal });
    }
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
      if (BUSY.has(response.status) || isNotReady(response)) {
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
      throw this.networkError(method, url, err);
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

  /** Never built from the axios error object itself: its config holds the auth header and body. */
  private networkError(method: string, url: string, err: unknown): DriverError {
    const code = isAxiosError(err) ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
    const where = `${this.settings.baseUrl} (${method} ${url})`;
    const details = { code: code ?? null, method, path: url };
    if (code && TLS_VERIFY_CODES.has(code)) {
      return new DriverError('bmc', 'AuthFailed', `node ${this.node}: the BMC's TLS certificate at ${this.settings.baseUrl} failed verification (${code}); give its CA in oob param ca_bundle, or set insecure: true to skip verification`, {
        target: this.node,
        details,
      });
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new DriverError('bmc', 'Timeout', `node ${this.node}: no answer from the BMC at ${where} within ${this.settings.requestTimeoutMs / 1000} s`, { target: this.node, details });
    }
    if (code === 'EPROTO' || (code?.startsWith('ERR_SSL') ?? false)) {
      return new DriverError('bmc', 'InvalidRequest', `node ${this.node}: TLS handshake with ${this.settings.baseUrl} failed (${code}); check oob param use_https and the port`, { target: this.node, details });
    }
    // ECONNREFUSED, ECONNRESET, ENOTFOUND, EHOSTUNREACH, ...: and anything unknown, which is
    // far more often a network fault than a BMC that refuses on principle.
    const text = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 200) : 'request failed';
    return new DriverError('bmc', 'Unreachable', `node ${this.node}: cannot reach the BMC at ${where}: ${code ?? text}`, { target: this.node, details });
  }

  private httpError(method: string, url: string, response: AxiosResponse): DriverError {
    const status = response.status;
    if (status === 401 || status === 403) return this.authError(response, `${method} ${url}`);
    const kind: ErrorKind =
      status === 404 ? 'NotFound' : status === 405 || status === 501 ? 'Unsupported' : status === 412 || status === 500 ? 'Busy' : status >= 500 ? 'Unreachable' : 'InvalidRequest';
    return new DriverError('bmc', kind, `node ${this.node}: Redfish ${method} ${url} at ${this.settings.baseUrl} answered HTTP ${status}${redfishMessage(response.data, ': ')}`, {
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

/** A "not ready" answer (400/500/503 and kin) recognised by its MessageId; see BUSY_MESSAGE_IDS. */
export function isNotReady(response: Pick<AxiosResponse, 'status' | 'data'>): boolean {
  if (response.status < 400) return false;
  const data = response.data as { error?: { '@Message.ExtendedInfo'?: unknown } } | null | undefined;
  const info = data && typeof data === 'object' ? data.error?.['@Message.ExtendedInfo'] : undefined;
  if (!Array.isArray(info)) return false;
  return info.some((m: { MessageId?: unknown; MessageArgs?: unknown }) => {
    if (typeof m?.MessageId !== 'string') return false;
    const id = m.MessageId.split('.').pop() ?? '';
    if (!BUSY_MESSAGE_IDS.has(id)) return false;
    // iLO's "Power is on"/"Power is off": a reset into the state the System is already in.
    const args = Array.isArray(m.MessageArgs) ? m.MessageArgs.join(' ') : '';
    return !(id === 'InvalidOperationForSystemState' && /power is (on|off)/i.test(args));
  });
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

/** The service's own explanation (`error.message` and `@Message.ExtendedInfo[].Message`), short. */
export function redfishMessage(data: unknown, prefix = ''): string {
  if (data === null || typeof data !== 'object') return '';
  const error = (data as { error?: { message?: unknown; '@Message.ExtendedInfo'?: Array<{ Message?: unknown }> } }).error;
  if (!error) return '';
  const parts = [error.message, ...(error['@Message.ExtendedInfo'] ?? []).map((i) => i.Message)].filter((p): p is string => typeof p === 'string' && p !== '');
  const text = [...new Set(parts)].join('; ');
  if (!text) return '';
  return `${prefix}${text.length > 300 ? `${text.slice(0, 297)}...` : text}`;
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
