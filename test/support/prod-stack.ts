import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-codec';
import { RunningCodecServer, startCodecServer } from '../../src/codec/codec-server';
import { loadCodecKeySet } from '../../src/codec/keys';
import { TemporalConnectionSettings } from '../../src/config/temporal-connection';
import { startTemporalStack, TemporalStack } from '../../src/tools/temporal-stack';
import { resolveTemporalServerTools } from '../../src/tools/temporal-stack-tools';
import { readRunState } from './run-state';

/**
 * The production stack for the test files that need it (PostgreSQL + temporal-server with mTLS),
 * started by the first of them: these tests kill and restart its processes, so a file gets a
 * stack of its own rather than sharing one another file may be crashing. About 12 s. Its
 * workers use the workflow bundle global-setup makes with the codec's failure converter.
 */
export interface TestStack {
  stack: TemporalStack;
  /** The codec key set reference (file:) every drydock process of the test uses. */
  codecKeys: string;
  /** `drydock codec-server`'s handler with the test's keys; the stack's web UI calls it. */
  codecServer: RunningCodecServer;
  codecToken: string;
  /** Workflows bundled with FAILURE_CONVERTER_PATH, for workers with the codec. */
  workflowBundlePath: string;
  settings(taskQueue: string): TemporalConnectionSettings;
  stop(): Promise<void>;
}

/** Why the stack tests cannot run here, or undefined when they can. */
export function stackUnavailable(): string | undefined {
  try {
    resolveTemporalServerTools();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function startTestStack(): Promise<TestStack> {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-stack-'));
  chmodSync(dir, 0o711); // PostgreSQL runs as its own user and must reach its folder inside
  const keysFile = join(dir, 'codec-keys.yaml');
  writeFileSync(keysFile, `current: test-2\nkeys:\n  test-1: ${randomBytes(32).toString('base64')}\n  test-2: ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const workflowBundlePath = readRunState().codecWorkflowBundlePath;
  const codecToken = randomBytes(16).toString('hex');
  const allowedOrigins: string[] = [];
  const codecServer = await startCodecServer({ codec: new AesGcmPayloadCodec(loadCodecKeySet(`file:${keysFile}`)), token: codecToken, allowedOrigins });
  let stack: TemporalStack;
  try {
    stack = await startTemporalStack({ stateDir: join(dir, 'stack'), durable: false, codecEndpoint: codecServer.url, log: (m) => void process.stderr.write(`[stack] ${m}\n`) });
  } catch (err) {
    await codecServer.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (stack.state.uiUrl) allowedOrigins.push(stack.state.uiUrl);
  const certs = stack.state.certificates;
  return {
    stack,
    codecServer,
    codecToken,
    codecKeys: `file:${keysFile}`,
    workflowBundlePath,
    settings: (taskQueue) => ({
      address: stack.state.address,
      namespace: stack.state.namespace,
      taskQueue,
      tls: { clientCertPath: certs.clientCert, clientKeyPath: certs.clientKey, serverRootCaPath: certs.caCert, serverName: certs.serverName },
      codecKeys: `file:${keysFile}`,
    }),
    async stop() {
      await stack.stop();
      await codecServer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RawPayload = { metadata: Record<string, Uint8Array>; data: Uint8Array; path: string };

/** Every Payload (an object with metadata and data) in a raw, undecoded history, but search
 * attributes: Temporal indexes those, so they stay plaintext (docs/production.md lists them). */
export function payloadsIn(value: unknown, found: RawPayload[] = [], path = ''): RawPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') found.push({ ...(v as Omit<RawPayload, 'path'>), path });
  else for (const [key, child] of Object.entries(v)) if (key !== 'searchAttributes') payloadsIn(child, found, `${path}.${key}`);
  return found;
}

/** A pg_dump's text with its bytea columns (dumped as hex) turned back into bytes. */
export function dumpBytes(dump: string): Buffer {
  const blobs = [...dump.matchAll(/\\\\x([0-9a-f]+)/g)].map((m) => Buffer.from(m[1], 'hex'));
  return Buffer.concat([Buffer.from(dump), ...blobs]);
}
