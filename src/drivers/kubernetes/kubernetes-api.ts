/**
 * Kubernetes driver: keeps each Node object's labels equal to the design's node labels, through
 * the Kubernetes API (axios, bearer token, CA bundle).
 *
 * Declarative: GET the Node, compute what differs, PATCH only then, as a JSON merge patch that
 * carries the resourceVersion it was computed from (a concurrent change answers 409, which is
 * Busy: the activity retries and re-reads). Labels drydock set earlier but the design no longer
 * has are removed; drydock knows which those are from the annotation
 * `drydock.airshipit.org/managed-labels` (a JSON list of label keys), so labels set by anyone
 * else are never touched.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { NodeModel } from '../../design/model';
import { CredentialResolutionError, type SecretResolver } from '../../secrets/resolver';
import { abortError } from '../abort';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../context';
import { DriverError, type ErrorKind } from '../errors';
import type { KubernetesDriver } from './interface';

export const MANAGED_LABELS_ANNOTATION = 'drydock.airshipit.org/managed-labels';

export interface KubernetesApiConfig {
  apiUrl: string;
  /** Credential reference of the bearer token. */
  token: string;
  /** A CA bundle file (or the PEM text itself) for the API server's certificate. */
  caBundle?: string;
  /** Skip certificate verification (lab use only). */
  insecure?: boolean;
}

export interface KubernetesApiDriverOptions {
  config: KubernetesApiConfig;
  secrets: SecretResolver;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

interface KubeNode {
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL/;

// Kubernetes label syntax (k8s.io/apimachinery validation): [prefix/]name, name and value
// 63 characters at most, alphanumeric at both ends; prefix a DNS subdomain of 253 at most.
const LABEL_NAME = /^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `the prefix "${prefix}" is not a DNS subdomain`;
  if (!LABEL_NAME.test(name)) return `the name "${name}" must be 1-63 characters of A-Z a-z 0-9 - _ . starting and ending with a letter or digit`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === '' || LABEL_NAME.test(value)) return undefined;
  return 'values must be empty or 1-63 characters of A-Z a-z 0-9 - _ . starting and ending with a letter or digit';
}

/** The Kubernetes Node name of a design node: kubelet registers the lowercased hostname. */
export function kubernetesNodeName(node: NodeModel): string {
  return node.name.toLowerCase();
}

function statusMessage(response: AxiosResponse): string {
  const body = response.data as { kind?: string; message?: string } | string | undefined;
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return `HTTP ${response.status}`;
}

function retryAfter(response: AxiosResponse): number | undefined {
  const header = response.headers['retry-after'] as string | undefined;
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export class KubernetesApiDriver implements KubernetesDriver {
  readonly type = 'kubernetes';
  private readonly apiUrl: string;
  private http?: AxiosInstance;

  constructor(private readonly options: KubernetesApiDriverOptions) {
    this.apiUrl = options.config.apiUrl.replace(/\/+$/, '');
  }

  async validateKubernetesServices(ctx: ActionContext): Promise<ServiceCheck> {
    const version = await this.request<{ gitVersion?: string }>(ctx, 'GET', '/version', 'read the server version');
    const gitVersion = version.data.gitVersion ?? 'unknown version';
    await this.request(ctx, 'GET', '/api/v1/nodes?limit=1', 'list nodes');
    // What relabelling needs: patch on nodes. Ask the server rather than guess from RBAC.
    const review = await this.request<{ status?: { allowed?: boolean; reason?: string } }>(ctx, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'review its own permissions', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'patch', resource: 'nodes' } },
    });
    if (review.data.status?.allowed !== true) {
      throw this.error('AuthFailed', `Kubernetes at ${this.apiUrl} accepted the token (${this.options.config.token}) but it may not patch nodes${review.data.status?.reason ? `: ${review.data.status.reason}` : ''}; relabelling needs get and patch on nodes`, { reason: 'forbidden' });
    }
    return { ok: true, message: `Kubernetes ${gitVersion} at ${this.apiUrl}: token accepted, may list and patch nodes`, details: { version: gitVersion } };
  }

  async relabelNode(node: NodeModel, ctx: ActionContext): Promise<ActionOutcome> {
    const desired = node.labels;
    const problems = Object.entries(desired).flatMap(([key, value]) => {
      const p = labelKeyProblem(key) ?? labelValueProblem(value);
      return p ? [`"${key}": ${p}`] : [];
    });
    const where = node.source ? ` (${node.source.file}:${node.source.line})` : '';
    if (problems.length > 0) {
      throw this.error('InvalidRequest', `node ${node.name}${where}: labels Kubernetes does not accept: ${problems.join('; ')}`, { node: node.name });
    }
    const name = kubernetesNodeName(node);
    if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      throw this.error('InvalidRequest', `node ${node.name}${where}: "${name}" is not a valid Kubernetes node name (a DNS subdomain)`, { node: node.name });
    }
    const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
    let current: KubeNode;
    try {
      current = (await this.request<KubeNode>(ctx, 'GET', path, `read Node ${name}`)).data;
    } catch (err) {
      if (err instanceof DriverError && err.kind === 'NotFound') {
        throw this.error('NotFound', `Kubernetes at ${this.apiUrl} has no Node ${name} (design node ${node.name}${where}); a node appears once its kubelet has joined the cluster`, { node: name, httpStatus: 404 });
      }
      throw err;
    }
    const labels = current.metadata.labels ?? {};
    const annotations = current.metadata.annotations ?? {};
    const managedBefore = this.managedKeys(annotations[MANAGED_LABELS_ANNOTATION], ctx, name);

    const labelPatch: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(desired)) if (labels[key] !== value) labelPatch[key] = value;
    const removed = managedBefore.filter((key) => !(key in desired) && key in labels);
    for (const key of removed) labelPatch[key] = null;
    const managedNow = JSON.stringify(Object.keys(desired).sort());
    const annotationChanged = annotations[MANAGED_LABELS_ANNOTATION] !== managedNow;

    const set = Object.keys(labelPatch).filter((k) => labelPatch[k] !== null);
    if (set.length === 0 && removed.length === 0 && !annotationChanged) {
      return { changed: false, message: `Node ${name} already has the design's ${Object.keys(desired).length} label(s)`, details: { node: name, set: 0, removed: 0 } };
    }
    const patch = {
      metadata: {
        // Makes the patch conditional: if the Node changed since the GET, the server answers 409.
        resourceVersion: current.metadata.resourceVersion,
        ...(Object.keys(labelPatch).length > 0 ? { labels: labelPatch } : {}),
        ...(annotationChanged ? { annotations: { [MANAGED_LABELS_ANNOTATION]: managedNow } } : {}),
      },
    };
    await this.request(ctx, 'PATCH', path, `patch Node ${name}`, patch, 'application/merge-patch+json');
    ctx.heartbeat({ node: name, set: set.length, removed: removed.length });
    const parts = [set.length ? `set ${set.map((k) => `${k}=${desired[k]}`).join(', ')}` : undefined, removed.length ? `removed ${removed.join(', ')}` : undefined].filter(Boolean);
    return {
      changed: true,
      message: `Node ${name}: ${parts.length ? parts.join('; ') : 'recorded the drydock-managed label keys'}`,
      details: { node: name, set: set.length, removed: removed.length },
    };
  }

  private managedKeys(annotation: string | undefined, ctx: ActionContext, name: string): string[] {
    if (annotation === undefined) return [];
    try {
      const parsed = JSON.parse(annotation) as unknown;
      if (Array.isArray(parsed) && parsed.every((k) => typeof k === 'string')) return parsed;
    } catch {
      // fall through
    }
    ctx.log(`Node ${name}: annotation ${MANAGED_LABELS_ANNOTATION} is not a JSON list of label keys; no label will be removed this time and the annotation is rewritten`);
    return [];
  }

  private client(): AxiosInstance {
    if (this.http) return this.http;
    const { caBundle, insecure } = this.options.config;
    let ca: string | undefined;
    if (caBundle !== undefined) {
      if (caBundle.includes('-----BEGIN')) ca = caBundle;
      else {
        try {
          ca = readFileSync(caBundle, 'utf8');
        } catch (err) {
          throw this.error('InvalidRequest', `cannot read the Kubernetes CA bundle ${caBundle} (Region drivers.kubernetes.ca_bundle): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
        }
      }
    }
    this.http = axios.create({
      baseURL: this.apiUrl,
      timeout: this.options.timeoutMs ?? 30_000,
      maxRedirects: 0,
      // Every status is handled below; axios must not throw with the request (and its
      // Authorization header) attached.
      validateStatus: () => true,
      httpsAgent: new Agent({ ca, rejectUnauthorized: insecure !== true }),
    });
    return this.http;
  }

  private token(): string {
    try {
      return this.options.secrets.resolve(this.options.config.token, `Kubernetes bearer token for ${this.apiUrl}`).reveal();
    } catch (err) {
      if (err instanceof CredentialResolutionError) throw this.error('InvalidRequest', err.message);
      throw err;
    }
  }

  private async request<T = unknown>(ctx: ActionContext, method: 'GET' | 'PATCH' | 'POST', path: string, what: string, body?: unknown, contentType = 'application/json'): Promise<AxiosResponse<T>> {
    ctx.signal.throwIfAborted();
    const http = this.client();
    const token = this.token();
    let response: AxiosResponse<T>;
    try {
      response = await http.request<T>({
        method,
        url: path,
        data: body === undefined ? undefined : JSON.stringify(body),
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': contentType }) },
        signal: ctx.signal,
      });
    } catch (err) {
      throw this.transportError(err, ctx, what);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw this.statusError(response, what);
  }

  private transportError(err: unknown, ctx: ActionContext, what: string): Error {
    if (ctx.signal.aborted) return abortError(ctx.signal);
    // Only the code and message are used: the AxiosError carries the request headers.
    const causeCode = (err as { cause?: { code?: unknown } }).cause?.code;
    const ownCode = (err as { code?: unknown }).code;
    const code = typeof ownCode === 'string' ? ownCode : typeof causeCode === 'string' ? causeCode : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const at = `Kubernetes at ${this.apiUrl}`;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return this.error('Timeout', `${at} did not answer in time (trying to ${what})`);
    if (code !== undefined && NETWORK_ERRORS.has(code)) return this.error('Unreachable', `${at} cannot be reached (trying to ${what}): ${code}`, { code });
    if ((code !== undefined && TLS_ERRORS.test(code)) || /certificate/i.test(message)) {
      return this.error('AuthFailed', `${at}: the server's TLS certificate is not trusted (${code ?? message}); give the cluster's CA in drivers.kubernetes.ca_bundle`, { code: code ?? null, reason: 'tls' });
    }
    return this.error('Unreachable', `${at}: request failed (trying to ${what}): ${code ?? message}`);
  }

  private statusError(response: AxiosResponse, what: string): DriverError {
    const at = `Kubernetes at ${this.apiUrl}`;
    const said = statusMessage(response);
    const details = { httpStatus: response.status };
    switch (response.status) {
      case 401:
        return this.error('AuthFailed', `${at} rejected the bearer token (${this.options.config.token}) (trying to ${what}): ${said}`, details);
      case 403:
        return this.error('AuthFailed', `${at}: the token (${this.options.config.token}) may not ${what}: ${said}`, details);
      case 404:
        return this.error('NotFound', `${at} has no such object (trying to ${what}): ${said}`, details);
      case 409:
      case 429:
      case 503:
        return new DriverError('kubernetes', 'Busy', `${at} asked to try again (HTTP ${response.status}, trying to ${what}): ${said}`, { target: this.apiUrl, details, retryAfterSeconds: retryAfter(response) });
      case 400:
      case 415:
      case 422:
        return this.error('InvalidRequest', `${at} refused the request (HTTP ${response.status}, trying to ${what}): ${said}`, details);
      default:
        return this.error(response.status >= 500 ? 'Unreachable' : 'InvalidRequest', `${at} answered HTTP ${response.status} (trying to ${what}): ${said}`, details);
    }
  }

  private error(kind: ErrorKind, message: string, details: Record<string, string | number | boolean | null> = {}): DriverError {
    return new DriverError('kubernetes', kind, message, { target: this.apiUrl, details });
  }
}
