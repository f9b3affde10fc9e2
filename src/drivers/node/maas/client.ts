import axios, { AxiosInstance, AxiosResponse } from 'axios';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriverError } from '../../errors';
import { pause } from './session';
import { MaasApiKey, oauthAuthorizationHeader } from './oauth';

/**
 * The HTTP layer of the MAAS driver: requests to MAAS's API 2.0 (the only REST API of MAAS 3.x,
 * under /MAAS/api/2.0/) signed with OAuth 1.0a PLAINTEXT,
 * `op=` operations in the query string, request bodies as multipart/form-data (what MAAS's own
 * clients send), and every failure mapped onto a DriverError.
 *
 * Retries: only reads (GET) are retried here, on connection failures and 502/503/504/429, because
 * a read cannot change anything. Writes (POST, PUT, DELETE) are sent exactly once: when one fails
 * the caller gets a DriverError (retryable or not) and the activity retries the whole step, which
 * re-reads MAAS's state first, so a write whose response was lost is never sent twice blindly.
 */
export type FieldValue = string | number | boolean | null | undefined | Array<string | number>;
export type Fields = Record<string, FieldValue>;

export interface MaasClientOptions {
  /** e.g. http://maas.example.net:5240/MAAS */
  apiUrl: string;
  apiKey: MaasApiKey;
  /** Where the key came from (e.g. `env:MAAS_API_KEY`), for error messages. */
  keyReference: string;
  /** PEM file with the CA bundle for an https MAAS. */
  caBundle?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** How many times a failed GET is retried (default 4). */
  getRetries?: number;
  /** First GET retry delay; doubles each time (default 250 ms). */
  retryBaseMs?: number;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  op?: string;
  params?: Fields;
  fields?: Fields;
  signal?: AbortSignal;
  /** The answer is binary (BSON): returned as a Buffer, not parsed. */
  binary?: boolean;
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TIMEOUT_ERRORS = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const RETRYABLE_GET_STATUSES = new Set([429, 502, 503, 504]);

function encodeParams(params: Fields | undefined): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  return search;
}

/**
 * A field's text on the wire. Booleans are "true"/"false": MAAS reads boolean form fields with
 * Django's CheckboxInput, for which only "false" and "" are false ("0" is true).
 */
export function fieldText(value: string | number | boolean): string {
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

function formData(fields: Fields | undefined): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) form.append(key, fieldText(v));
    else form.append(key, fieldText(value));
  }
  return form;
}

/** MAAS answers errors as text or as a JSON map of field -> messages; make one line of it. */
function describeBody(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.entries(parsed as Record<string, unknown>)
        .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(' ') : String(messages)}`)
        .join('; ')
        .slice(0, 500);
    }
  } catch {
    // plain text
  }
  return text.replace(/\s+/g, ' ').slice(0, 500);
}

function retryAfterSeconds(response: AxiosResponse): number | undefined {
  const header: unknown = response.headers['retry-after'];
  const seconds = typeof header === 'string' ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export class MaasClient {
  private readonly http: AxiosInstance;
  readonly apiUrl: string;

  constructor(private readonly options: MaasClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    let httpsAgent: HttpsAgent | undefined;
    if (options.caBundle) {
      let ca: string;
      try {
        ca = readFileSync(options.caBundle, 'utf8');
      } catch (err) {
        throw new DriverError('maas', 'InvalidRequest', `cannot read the MAAS CA bundle ${options.caBundle}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, {
          target: this.apiUrl,
        });
      }
      httpsAgent = new HttpsAgent({ ca });
    }
    this.http = axios.create({
      baseURL: `${this.apiUrl}/api/2.0/`,
      timeout: options.timeoutMs ?? 30_000,
      httpsAgent,
      // Statuses are classified below; MAAS bodies are parsed by hand (some answers are text).
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
    });
  }

  private version: string | undefined;

  /** The region's version text (`GET version/`), read once and kept. */
  async regionVersion(signal?: AbortSignal): Promise<string> {
    if (this.version === undefined) this.version = (await this.get<{ version: string }>('version/', undefined, signal)).version;
    return this.version;
  }

  get<T>(path: string, params?: Fields, signal?: AbortSignal): Promise<T> {
    const { op, ...rest } = params ?? {};
    return this.request<T>({ method: 'GET', path, op: typeof op === 'string' ? op : undefined, params: rest, signal });
  }

  /** GET of a binary answer (MAAS's `?op=details` is BSON). */
  getBinary(path: string, params?: Fields, signal?: AbortSignal): Promise<Buffer> {
    const { op, ...rest } = params ?? {};
    return this.request<Buffer>({ method: 'GET', path, op: typeof op === 'string' ? op : undefined, params: rest, signal, binary: true });
  }

  /** GET that answers undefined on 404 instead of failing. */
  async find<T>(path: string, params?: Fields, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(path, params, signal);
    } catch (err) {
      if (err instanceof DriverError && err.kind === 'NotFound') return undefined;
      throw err;
    }
  }

  post<T>(path: string, op: string | undefined, fields?: Fields, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'POST', path, op, fields, signal });
  }

  put<T>(path: string, fields: Fields, signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'PUT', path, fields, signal });
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    await this.request<unknown>({ method: 'DELETE', path, signal });
  }

  private describe(spec: RequestSpec): string {
    const query = encodeParams({ ...(spec.op ? { op: spec.op } : {}), ...(spec.method === 'GET' ? spec.params : {}) }).toString();
    return `${spec.method} ${spec.path}${query ? `?${query}` : ''}`;
  }

  private async request<T>(spec: RequestSpec): Promise<T> {
    const attempts = spec.method === 'GET' ? (this.options.getRetries ?? 4) + 1 : 1;
    let delay = this.options.retryBaseMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(spec);
      } catch (err) {
        const retry = attempt < attempts && err instanceof DriverError && err.retryable;
        if (!retry) throw err;
        const wait = Math.min(err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : delay, 10_000);
        if (spec.signal) await pause(wait, spec.signal);
        else await sleep(wait);
        delay *= 2;
      }
    }
  }

  private async once<T>(spec: RequestSpec): Promise<T> {
    spec.signal?.throwIfAborted();
    const what = this.describe(spec);
    const query = encodeParams({ ...(spec.op ? { op: spec.op } : {}), ...(spec.method === 'GET' ? spec.params : {}) });
    let response: AxiosResponse<string | Buffer>;
    try {
      response = await this.http.request<string | Buffer>({
        method: spec.method,
        ...(spec.binary ? { responseType: 'arraybuffer' as const } : {}),
        url: spec.path,
        params: query,
        data: spec.method === 'POST' || spec.method === 'PUT' ? formData(spec.fields) : undefined,
        headers: { Authorization: oauthAuthorizationHeader(this.options.apiKey), Accept: 'application/json' },
        signal: spec.signal,
      });
    } catch (err) {
      if (spec.signal?.aborted) throw spec.signal.reason;
      const code = (err as { code?: string }).code ?? '';
      if (TIMEOUT_ERRORS.has(code)) {
        throw new DriverError('maas', 'Timeout', `MAAS at ${this.apiUrl} did not answer ${what} in time`, { target: this.apiUrl, details: { request: what }, cause: err });
      }
      // Connection-level failures (NETWORK_ERRORS and the like) and anything else axios raised
      // before a status line arrived: MAAS could not be reached.
      const known = NETWORK_ERRORS.has(code) ? code : '';
      throw new DriverError('maas', 'Unreachable', `cannot reach MAAS at ${this.apiUrl} (${known || code || (err as Error).message}) for ${what}`, {
        target: this.apiUrl,
        details: { request: what, code: code || null },
        cause: err,
      });
    }
    const status = response.status;
    const raw = response.data;
    if (spec.binary && status >= 200 && status < 300) return (Buffer.isBuffer(raw) ? raw : Buffer.from(raw ?? '')) as T;
    const body = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
    if (status >= 200 && status < 300) {
      if (!body.trim()) return undefined as T;
      try {
        return JSON.parse(body) as T;
      } catch {
        return body as T;
      }
    }
    throw this.statusError(what, response, body, status === 409 && retryAfterSeconds(response) === undefined ? await this.stateHint(spec) : undefined);
  }

  /** For a state conflict on a machine's path: what the machine's state is and what to do. */
  private async stateHint(spec: RequestSpec): Promise<string | undefined> {
    const id = /^(?:machines|nodes)\/([^/]+)\//.exec(spec.path)?.[1];
    if (!id) return undefined;
    let status: string | undefined;
    try {
      status = (await this.once<{ status_name?: string }>({ method: 'GET', path: `machines/${id}/`, signal: spec.signal })).status_name;
    } catch {
      return undefined;
    }
    if (!status) return undefined;
    const storage = /\/(blockdevices|volume-groups?|partitions?)\b/.test(spec.path);
    const unowned = ['New', 'Broken', 'Failed commissioning', 'Failed testing'].includes(status);
    const todo =
      status === 'Ready'
        ? 'check what else holds the machine'
        : unowned
          ? 'commission it first (ConfigureHardware), then try again'
          : storage
            ? 'MAAS changes storage only on Ready machines (format and mount also when Allocated): release it first (DestroyNode), then apply storage again'
            : 'release it first (DestroyNode), then try again';
    return `; machine ${id} is ${status}: ${todo}`;
  }

  private statusError(what: string, response: AxiosResponse, body: string, machineState?: string): DriverError {
    const status = response.status;
    const details = { request: what, httpStatus: status };
    const target = this.apiUrl;
    if (status === 401 || status === 403) {
      // Never echo the body: MAAS quotes the token key in some 401 answers.
      return new DriverError(
        'maas',
        'AuthFailed',
        status === 401
          ? `MAAS at ${this.apiUrl} rejected the API key from "${this.options.keyReference}" (HTTP 401 on ${what}); check that the key is current (\`maas apikey --username=<user>\`)`
          : `MAAS at ${this.apiUrl} refused ${what} for the user of the API key from "${this.options.keyReference}" (HTTP 403): the user needs administrator rights`,
        { target, details },
      );
    }
    const said = describeBody(body);
    const suffix = said ? `: ${said}` : '';
    if (status === 404) return new DriverError('maas', 'NotFound', `MAAS at ${this.apiUrl} has no such object: ${what} answered HTTP 404${suffix}`, { target, details });
    // Busy is only what MAAS says will pass: a 409 (a transaction it could not serialise) or 503
    // (database busy, region starting) carrying Retry-After (src/maasserver/utils/views.py), and
    // 429. A 409 without Retry-After is a NodeStateViolation: the machine's state forbids the
    // request, and retrying cannot help.
    const retryAfter = retryAfterSeconds(response);
    if (status === 429 || ((status === 409 || status === 503) && retryAfter !== undefined)) {
      return new DriverError('maas', 'Busy', `MAAS at ${this.apiUrl} answered HTTP ${status} to ${what}${suffix}`, { target, details, retryAfterSeconds: retryAfter });
    }
    if (status === 409) {
      return new DriverError('maas', 'InvalidRequest', `MAAS at ${this.apiUrl} refused ${what} (HTTP 409, the machine's state does not allow it)${suffix}${machineState ?? ''}`, { target, details });
    }
    if (status >= 500) return new DriverError('maas', 'Unreachable', `MAAS at ${this.apiUrl} failed with HTTP ${status} on ${what}${suffix}`, { target, details });
    return new DriverError('maas', 'InvalidRequest', `MAAS at ${this.apiUrl} rejected ${what} (HTTP ${status})${suffix}`, { target, details });
  }
}

/** Whether a GET with these statuses would be retried by the client (exported for tests/docs). */
export function isRetryableGetStatus(status: number): boolean {
  return RETRYABLE_GET_STATUSES.has(status);
}
