/**
 * Drydock's asset pipelines: `location_pipeline` turns the asset's `location` into the URL it is
 * fetched from, `data_pipeline` turns its `data` (or what `location` answered) into the bytes
 * written on the node. As in Drydock, the data starts as bytes (inline `data` is UTF-8 encoded
 * first) and the result is UTF-8 encoded if the last segment left text. Segments keep Python's
 * types: `utf8_decode` needs bytes, `utf8_encode` text, `base64_encode` bytes, `base64_decode`
 * bytes or ASCII text (non-alphabet characters such as line breaks are skipped, a wrong padding is
 * an error), and `template` text (Drydock would render the bytes' `b'...'` form; we refuse and say
 * to add `utf8_decode`).
 *
 * Pure (TextEncoder/TextDecoder only), so design validation can run it.
 */
import { renderTemplate, TemplateError, type TemplateLimits } from './template';

export const PIPELINE_SEGMENTS = ['base64_encode', 'base64_decode', 'utf8_encode', 'utf8_decode', 'template'] as const;
export type PipelineSegment = (typeof PIPELINE_SEGMENTS)[number];

export type PipelineValue = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'text'; text: string };

export class PipelineError extends Error {
  constructor(
    message: string,
    /** Index of the failing segment in its pipeline. */
    readonly segment: number,
    readonly segmentName: string,
    /** Template line, for a template error. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}

export function runPipeline(input: PipelineValue, pipeline: readonly string[], context: Record<string, unknown>, limits?: Partial<TemplateLimits>): PipelineValue {
  let value = input;
  pipeline.forEach((segment, i) => {
    const wrong = (needs: string): never => {
      throw new PipelineError(`segment ${segment} needs ${needs} but got ${value.kind === 'bytes' ? 'bytes' : 'text'}`, i, segment);
    };
    switch (segment) {
      case 'base64_encode':
        if (value.kind !== 'bytes') wrong('bytes (add utf8_encode before it)');
        value = { kind: 'bytes', bytes: ascii(base64Encode((value as { bytes: Uint8Array }).bytes)) };
        return;
      case 'base64_decode': {
        const text = value.kind === 'text' ? value.text : latin1(value.bytes);
        if (value.kind === 'text' && [...text].some((c) => c.charCodeAt(0) > 0x7f)) throw new PipelineError('segment base64_decode: text to decode must be ASCII', i, segment);
        try {
          value = { kind: 'bytes', bytes: base64Decode(text) };
        } catch (e) {
          throw new PipelineError(`segment base64_decode: ${(e as Error).message}`, i, segment);
        }
        return;
      }
      case 'utf8_decode':
        if (value.kind !== 'bytes') wrong('bytes');
        try {
          value = { kind: 'text', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode((value as { bytes: Uint8Array }).bytes) };
        } catch {
          throw new PipelineError('segment utf8_decode: the data is not valid UTF-8', i, segment);
        }
        return;
      case 'utf8_encode':
        if (value.kind !== 'text') wrong('text');
        value = { kind: 'bytes', bytes: new TextEncoder().encode((value as { text: string }).text) };
        return;
      case 'template':
        if (value.kind !== 'text') wrong('text (add utf8_decode before it)');
        try {
          value = { kind: 'text', text: renderTemplate((value as { text: string }).text, context, limits) };
        } catch (e) {
          if (e instanceof TemplateError) throw new PipelineError(`segment template: ${e.message}`, i, segment, e.line);
          throw e;
        }
        return;
      default:
        throw new PipelineError(`unknown pipeline segment ${segment}`, i, segment);
    }
  });
  return value;
}

/** The bytes a pipeline's result stands for (text is UTF-8 encoded, as Drydock does). */
export function pipelineBytes(v: PipelineValue): Uint8Array {
  return v.kind === 'bytes' ? v.bytes : new TextEncoder().encode(v.text);
}

export function pipelineText(v: PipelineValue): string {
  return v.kind === 'text' ? v.text : new TextDecoder().decode(v.bytes);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out;
}

/** Python's base64.b64decode (validate=False): characters outside the alphabet are skipped. */
export function base64Decode(text: string): Uint8Array {
  let clean = '';
  for (const c of text) if (B64.includes(c) || c === '=') clean += c;
  const body = clean.replace(/=+$/, '');
  if (body.includes('=') || clean.length % 4 !== 0 || body.length % 4 === 1) throw new Error('incorrect padding');
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const c of body) {
    acc = (acc << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}
