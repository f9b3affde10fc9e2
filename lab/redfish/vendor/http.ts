import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtendedMessage } from './messages';
import { isObject } from './tree';

/** HTTP plumbing of the lab's vendor Redfish service: replies, refusals, bodies, TLS. */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messages: ExtendedMessage[],
    readonly headers: Record<string, string> = {},
  ) {
    super(messages.map((m) => m.MessageId).join(', '));
  }
}

export function fail(status: number, ...messages: ExtendedMessage[]): never {
  throw new HttpError(status, messages);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function stripWeak(tag: string): string {
  return tag.replace(/^W\//, '');
}

export function redact(body: unknown): unknown {
  if (isObject(body) && 'Password' in body) return { ...body, Password: '***' };
  return body;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'OData-Version': '4.0', ...(reply.headers ?? {}) };
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body, null, 2);
  res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** A one-day self-signed certificate for `host` (an IP or a name), made by openssl in a temporary folder. */
export function selfSignedCertificate(host: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lab-redfish-tls-'));
  try {
    const san = /^[0-9.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`;
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${host}`, '-addext', `subjectAltName=${san}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')];
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    if (run.error || run.status !== 0) {
      throw new Error(`openssl could not make the lab BMC's certificate (${run.error?.message ?? run.stderr.trim()}); install Debian's openssl or start without tls`);
    }
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
