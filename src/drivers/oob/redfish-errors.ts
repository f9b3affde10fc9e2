import { AxiosResponse, isAxiosError } from 'axios';
import { DriverError, ErrorKind } from '../errors';

/**
 * How the Redfish client classifies what a BMC answers: which answers are "busy, try again"
 * (by status or by MessageId), which driver error kind an HTTP failure or a network failure is,
 * and the service's own explanation for messages. No function here sees credentials.
 */
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

/** An answer the client waits out and retries: 409/429/503, or a "not ready" MessageId. */
export function isBusy(response: Pick<AxiosResponse, 'status' | 'data'>): boolean {
  return BUSY.has(response.status) || isNotReady(response);
}

/** The error kind of an HTTP failure other than 401/403 (those are AuthFailed, with the account named). */
export function httpErrorKind(status: number): ErrorKind {
  return status === 404 ? 'NotFound' : status === 405 || status === 501 ? 'Unsupported' : status === 412 || status === 500 ? 'Busy' : status >= 500 ? 'Unreachable' : 'InvalidRequest';
}

/** Node's certificate-verification failures: a TLS setup problem (ca_bundle / insecure), not an unreachable BMC. */
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

/** A failed request (no HTTP answer) as a driver error. Never built from the axios error object
 * itself: its config holds the auth header and body. */
export function networkError(node: string, settings: { baseUrl: string; requestTimeoutMs: number }, method: string, url: string, err: unknown): DriverError {
  const code = isAxiosError(err) ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${settings.baseUrl} (${method} ${url})`;
  const details = { code: code ?? null, method, path: url };
  if (code && TLS_VERIFY_CODES.has(code)) {
    return new DriverError('bmc', 'AuthFailed', `node ${node}: the BMC's TLS certificate at ${settings.baseUrl} failed verification (${code}); give its CA in oob param ca_bundle, or set insecure: true to skip verification`, {
      target: node,
      details,
    });
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new DriverError('bmc', 'Timeout', `node ${node}: no answer from the BMC at ${where} within ${settings.requestTimeoutMs / 1000} s`, { target: node, details });
  }
  if (code === 'EPROTO' || (code?.startsWith('ERR_SSL') ?? false)) {
    return new DriverError('bmc', 'InvalidRequest', `node ${node}: TLS handshake with ${settings.baseUrl} failed (${code}); check oob param use_https and the port`, { target: node, details });
  }
  // ECONNREFUSED, ECONNRESET, ENOTFOUND, EHOSTUNREACH, ...: and anything unknown, which is
  // far more often a network fault than a BMC that refuses on principle.
  const text = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 200) : 'request failed';
  return new DriverError('bmc', 'Unreachable', `node ${node}: cannot reach the BMC at ${where}: ${code ?? text}`, { target: node, details });
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
