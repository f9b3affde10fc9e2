/** Plain HTTP against the lab's vendor Redfish service (deliberately not the product's Redfish driver). */
export const USER = 'admin';
export const PASSWORD = 'lab-password';
export const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

export type Body = Record<string, unknown>;

export interface Answer {
  status: number;
  headers: Headers;
  body: Body | undefined;
}

export async function call(base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth !== null) headers.Authorization = options.auth ?? BASIC;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(path, base), { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Body) : undefined };
}

/** The ETag of a resource as a client finds it: the header, else the body's `@odata.etag`. */
export async function etagOf(base: string, path: string): Promise<string | undefined> {
  const got = await call(base, 'GET', path);
  const inBody = got.body?.['@odata.etag'];
  return got.headers.get('etag') ?? (typeof inBody === 'string' ? inBody : undefined);
}

/** PATCH with the resource's current ETag in If-Match where it has one. */
export async function patchWithEtag(base: string, path: string, body: unknown): Promise<Answer> {
  const tag = await etagOf(base, path);
  return call(base, 'PATCH', path, { body, headers: tag ? { 'If-Match': tag } : {} });
}

export function messageIds(answer: Answer): string[] {
  const error = answer.body?.error as Body | undefined;
  const info = (error?.['@Message.ExtendedInfo'] ?? answer.body?.['@Message.ExtendedInfo']) as Array<Record<string, unknown>> | undefined;
  return (info ?? []).map((m) => String(m.MessageId));
}

export function boot(answer: Answer): Body {
  return (answer.body?.Boot ?? {}) as Body;
}
