import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Request parsing and answers for the MAAS emulator, in MAAS's manner: form bodies
 * (multipart/form-data or urlencoded), JSON answers, validation errors as
 * `{"field": ["message"]}` with HTTP 400, state violations as text with HTTP 409.
 */
export type FormFields = Record<string, string[]>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string | Record<string, string[]>,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

export const notFound = (what: string) => new ApiError(404, `No ${what} matches the given query.`);
export const badRequest = (field: string, message: string) => new ApiError(400, { [field]: [message] });
export const conflict = (message: string) => new ApiError(409, message);

export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function add(fields: FormFields, key: string, value: string): void {
  (fields[key] ??= []).push(value);
}

export function parseMultipart(body: Buffer, boundary: string): FormFields {
  const fields: FormFields = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // part = CRLF headers CRLF CRLF content CRLF
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const headers = part.subarray(0, split).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      // MAAS's CLI and python-libmaas send every part with `Content-Transfer-Encoding: base64`
      // (maascli/api.py, maas/client/bones/helpers.py); Django decodes it (MultiPartParser).
      const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
      const content = part.subarray(split + 4);
      const value = encoding === 'base64' ? Buffer.from(content.toString('latin1').replace(/\s+/g, ''), 'base64') : content;
      if (name !== undefined) add(fields, name, value.toString('utf8'));
    }
    start = next;
  }
  return fields;
}

export function parseUrlEncoded(text: string): FormFields {
  const fields: FormFields = {};
  for (const [key, value] of new URLSearchParams(text)) add(fields, key, value);
  return fields;
}

export function parseForm(req: IncomingMessage, body: Buffer): FormFields {
  const type = req.headers['content-type'] ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (/^multipart\/form-data/i.test(type) && boundary) return parseMultipart(body, boundary[1] ?? boundary[2]);
  if (/^application\/json/i.test(type)) {
    const parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    const fields: FormFields = {};
    for (const [k, v] of Object.entries(parsed)) for (const item of Array.isArray(v) ? v : [v]) add(fields, k, String(item));
    return fields;
  }
  return parseUrlEncoded(body.toString('utf8'));
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (typeof err.body === 'string') sendText(res, err.status, err.body);
  else sendJson(res, err.status, err.body);
}

/** Typed access to form fields with MAAS-like validation messages. */
export class Params {
  constructor(readonly fields: FormFields) {}

  has(name: string): boolean {
    return this.fields[name] !== undefined && this.fields[name].length > 0;
  }

  str(name: string): string | undefined {
    return this.fields[name]?.[this.fields[name].length - 1];
  }

  required(name: string): string {
    const value = this.str(name);
    if (value === undefined || value === '') throw badRequest(name, 'This field is required.');
    return value;
  }

  list(name: string): string[] {
    return (this.fields[name] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  }

  int(name: string): number | undefined {
    const value = this.str(name);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw badRequest(name, 'Enter a whole number.');
    return Number(value);
  }

  requiredInt(name: string): number {
    const value = this.int(name);
    if (value === undefined) throw badRequest(name, 'This field is required.');
    return value;
  }

  /**
   * A boolean form field the way MAAS reads it: Django's BooleanField with CheckboxInput
   * (django/forms/widgets.py, CheckboxInput.value_from_datadict): "true"/"false" in any case
   * are themselves, any other non-empty value is true (so "0" is true), empty is false. An
   * absent field is `fallback` (false in a Django form; the model's value for updates).
   */
  bool(name: string, fallback = false): boolean {
    const value = this.str(name);
    if (value === undefined) return fallback;
    return djangoBool(value);
  }
}

/** Django's CheckboxInput: {"true": True, "false": False}.get(value.lower(), value), then bool(). */
export function djangoBool(value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return value !== '';
}
