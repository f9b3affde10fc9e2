/**
 * One SSH connection to a switch (ssh2): key authentication, the host key verified against a
 * pinned fingerprint or a known_hosts file before anything is sent, commands run with a timeout
 * and the caller's abort signal. Every failure is a DriverError (component 'switch') naming the
 * switch and its address; stderr of a failed command is quoted, the key never is.
 */
import { expandHome } from '../../../tools/home-path';
import { readFileSync } from 'node:fs';
import { Client, utils, type ClientChannel, type ConnectConfig } from 'ssh2';
import { abortError } from '../../abort';
import { DriverError, type ErrorKind } from '../../errors';
import { CredentialResolutionError, type SecretResolver } from '../../../secrets/resolver';
import { fingerprintOf, knownKeysFor, normaliseFingerprint, parseKnownHosts } from './host-keys';

export interface SwitchEndpoint {
  /** The switch's name in the design (Rack `tor_switches` key). */
  name: string;
  rack?: string;
  address: string;
  port: number;
  user: string;
  /** Credential reference of the private key. */
  keyReference: string;
  hostKeyFingerprint?: string;
  knownHostsPath?: string;
  bridge: string;
}

export function describeSwitch(endpoint: SwitchEndpoint): string {
  return `switch ${endpoint.name} (${endpoint.address}:${endpoint.port}${endpoint.rack ? `, rack ${endpoint.rack}` : ''})`;
}

export function switchError(endpoint: SwitchEndpoint, kind: ErrorKind, message: string, details: Record<string, string | number | boolean | null> = {}): DriverError {
  return new DriverError('switch', kind, message, {
    target: `${endpoint.name} ${endpoint.address}:${endpoint.port}`,
    details: { switch: endpoint.name, address: endpoint.address, port: endpoint.port, ...details },
  });
}

export interface SessionOptions {
  secrets: SecretResolver;
  connectTimeoutMs: number;
  signal: AbortSignal;
}

export interface RunOptions {
  stdin?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Host key algorithms per known_hosts key type, so a switch with several host keys presents
 * the one known_hosts holds (as OpenSSH's client does). */
const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

const MAX_OUTPUT = 8 * 1024 * 1024;
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT']);

interface HostKeyPolicy {
  /** Returns null when the key is accepted, else why not. */
  check(keyBlob: Buffer): string | null;
  serverHostKeyAlgorithms?: string[];
}

function hostKeyPolicy(endpoint: SwitchEndpoint): HostKeyPolicy {
  const sw = describeSwitch(endpoint);
  if (endpoint.hostKeyFingerprint !== undefined) {
    const pinned = normaliseFingerprint(endpoint.hostKeyFingerprint);
    if (pinned === null) {
      throw switchError(endpoint, 'InvalidRequest', `${sw}: host_key_fingerprint "${endpoint.hostKeyFingerprint}" is not an OpenSSH SHA256 fingerprint (SHA256: followed by 43 base64 characters, as \`ssh-keygen -lf\` prints)`);
    }
    return {
      check: (blob) => {
        const presented = fingerprintOf(blob);
        return presented === pinned ? null : `${sw} presented host key ${presented}, but the design pins ${pinned} (tor_switches.${endpoint.name}.ssh.host_key_fingerprint)`;
      },
    };
  }
  if (endpoint.knownHostsPath !== undefined) {
    let text: string;
    try {
      text = readFileSync(expandHome(endpoint.knownHostsPath), 'utf8');
    } catch (err) {
      throw switchError(endpoint, 'InvalidRequest', `${sw}: cannot read the known_hosts file ${endpoint.knownHostsPath}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    const known = knownKeysFor(parseKnownHosts(text), endpoint.address, endpoint.port);
    if (known.accepted.length === 0) {
      throw switchError(endpoint, 'AuthFailed', `${sw}: the known_hosts file ${endpoint.knownHostsPath} has no key for ${endpoint.port === 22 ? endpoint.address : `[${endpoint.address}]:${endpoint.port}`}; add the switch's host key (ssh-keyscan) or pin its fingerprint`);
    }
    const algorithms = [...new Set(known.accepted.flatMap((k) => ALGORITHMS_FOR_KEY_TYPE[k.keyType] ?? []))];
    return {
      serverHostKeyAlgorithms: algorithms.length > 0 ? algorithms : undefined,
      check: (blob) => {
        const presented = fingerprintOf(blob);
        if (known.revoked.some((r) => r.equals(blob))) return `${sw} presented host key ${presented}, which ${endpoint.knownHostsPath} marks @revoked`;
        if (known.accepted.some((k) => k.keyBlob.equals(blob))) return null;
        const expected = known.accepted.map((k) => `${fingerprintOf(k.keyBlob)} (line ${k.line})`).join(', ');
        return `${sw} presented host key ${presented}, which does not match ${endpoint.knownHostsPath}: ${expected}`;
      },
    };
  }
  throw switchError(endpoint, 'InvalidRequest', `${sw}: neither host_key_fingerprint nor known_hosts is set in tor_switches.${endpoint.name}.ssh; drydock does not connect to a switch whose identity it cannot verify`);
}

function resolveKey(endpoint: SwitchEndpoint, secrets: SecretResolver): string {
  const sw = describeSwitch(endpoint);
  let text: string;
  try {
    text = secrets.resolve(endpoint.keyReference, `SSH key of ${sw}`).reveal();
  } catch (err) {
    if (err instanceof CredentialResolutionError) throw switchError(endpoint, 'InvalidRequest', err.message);
    throw err;
  }
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) {
    // parseKey's messages describe the format ("Unsupported key format", "Encrypted private
    // OpenSSH key detected, but no passphrase given"), never the key.
    throw switchError(endpoint, 'InvalidRequest', `${sw}: the SSH key from "${endpoint.keyReference}" cannot be used: ${parsed.message} (give an unencrypted OpenSSH or PEM private key)`);
  }
  return text;
}

function classifyConnectError(endpoint: SwitchEndpoint, err: Error & { level?: string; code?: string }, hostKeyProblem: string | undefined, restrictedAlgorithms: boolean): DriverError {
  const sw = describeSwitch(endpoint);
  if (hostKeyProblem !== undefined) return switchError(endpoint, 'AuthFailed', `host key mismatch: ${hostKeyProblem}. Nothing was sent to the switch.`, { reason: 'host-key-mismatch' });
  if (err.level === 'client-authentication') {
    return switchError(endpoint, 'AuthFailed', `${sw} did not accept the key "${endpoint.keyReference}" for user ${endpoint.user}`, { reason: 'key-rejected', user: endpoint.user });
  }
  if (err.level === 'client-timeout') return switchError(endpoint, 'Timeout', `${sw} did not complete the SSH handshake in time`);
  if (err.code !== undefined && NETWORK_ERRORS.has(err.code)) return switchError(endpoint, 'Unreachable', `${sw} cannot be reached: ${err.code}`, { code: err.code });
  if (err.level === 'client-socket' || err.level === 'client-dns') return switchError(endpoint, 'Unreachable', `${sw} cannot be reached: ${err.message}`);
  if (err.level === 'handshake' && restrictedAlgorithms) {
    return switchError(endpoint, 'AuthFailed', `${sw} offers none of the host key types its known_hosts entry has (${err.message})`, { reason: 'host-key-mismatch' });
  }
  return switchError(endpoint, 'Unsupported', `${sw}: SSH connection failed: ${err.message}`);
}

export function classifyCommandFailure(endpoint: SwitchEndpoint, command: string, code: number | null, stderr: string): DriverError {
  const said = stderr.trim().split('\n').slice(0, 6).join(' | ') || '(nothing on stderr)';
  const message = `${describeSwitch(endpoint)}: \`${command}\` failed (exit ${code ?? 'signal'}): ${said}`;
  let kind: ErrorKind = 'InvalidRequest';
  if (code === 127 || /command not found/.test(stderr)) kind = 'Unsupported';
  else if (/Cannot find device/.test(stderr)) kind = 'NotFound';
  else if (/Operation not permitted|Permission denied/.test(stderr)) kind = 'AuthFailed';
  else if (/Device or resource busy|Resource temporarily unavailable/.test(stderr)) kind = 'Busy';
  else if (/Operation not supported/.test(stderr)) kind = 'Unsupported';
  return switchError(endpoint, kind, message, { exitCode: code });
}

export class SwitchSession {
  private readonly pending = new Set<(err: DriverError) => void>();
  private closed = false;

  private constructor(
    readonly endpoint: SwitchEndpoint,
    private readonly client: Client,
  ) {
    const lost = (): void => {
      if (this.closed) return;
      this.closed = true;
      for (const reject of this.pending) reject(switchError(endpoint, 'Unreachable', `${describeSwitch(endpoint)} closed the SSH connection`));
    };
    client.on('close', lost);
    client.on('error', lost);
  }

  static async open(endpoint: SwitchEndpoint, options: SessionOptions): Promise<SwitchSession> {
    options.signal.throwIfAborted();
    const policy = hostKeyPolicy(endpoint);
    const privateKey = resolveKey(endpoint, options.secrets);
    const client = new Client();
    let hostKeyProblem: string | undefined;
    const config: ConnectConfig = {
      host: endpoint.address,
      port: endpoint.port,
      username: endpoint.user,
      privateKey,
      readyTimeout: options.connectTimeoutMs,
      hostVerifier: (key: Buffer) => {
        hostKeyProblem = policy.check(key) ?? undefined;
        return hostKeyProblem === undefined;
      },
      ...(policy.serverHostKeyAlgorithms ? { algorithms: { serverHostKey: policy.serverHostKeyAlgorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } } : {}),
    };
    return new Promise<SwitchSession>((resolve, reject) => {
      // After a failure or an abort ssh2 may still emit errors (a reset socket): keep them from
      // becoming uncaught exceptions.
      const ignoreLateErrors = (): void => void client.on('error', () => undefined);
      const onAbort = (): void => {
        ignoreLateErrors();
        client.end();
        reject(abortError(options.signal));
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      const onError = (err: Error & { level?: string; code?: string }): void => {
        options.signal.removeEventListener('abort', onAbort);
        ignoreLateErrors();
        client.end();
        reject(classifyConnectError(endpoint, err, hostKeyProblem, policy.serverHostKeyAlgorithms !== undefined));
      };
      client.once('error', onError);
      client.once('ready', () => {
        options.signal.removeEventListener('abort', onAbort);
        client.removeListener('error', onError);
        resolve(new SwitchSession(endpoint, client));
      });
      try {
        client.connect(config);
      } catch (err) {
        onError(err as Error);
      }
    });
  }

  /** Runs `command` in the switch's shell; resolves with stdout when it exits 0. `command` must
   * be built from validated names only (port-plan.ts isValidInterfaceName): it reaches a shell. */
  run(command: string, options: RunOptions): Promise<string> {
    const endpoint = this.endpoint;
    if (this.closed) return Promise.reject(switchError(endpoint, 'Unreachable', `${describeSwitch(endpoint)}: the SSH connection is closed`));
    options.signal.throwIfAborted();
    return new Promise<string>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let settled = false;
      const finish = (err: Error | undefined, stdout?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        this.pending.delete(fail);
        if (err !== undefined) {
          channel?.close();
          reject(err);
        } else {
          resolve(stdout ?? '');
        }
      };
      const fail = (err: DriverError): void => finish(err);
      const onAbort = (): void => finish(abortError(options.signal));
      const timer = setTimeout(
        () => finish(switchError(endpoint, 'Timeout', `${describeSwitch(endpoint)}: \`${command}\` did not finish within ${options.timeoutMs >= 1000 ? `${Math.round(options.timeoutMs / 1000)} s` : `${options.timeoutMs} ms`}`)),
        options.timeoutMs,
      );
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.pending.add(fail);
      this.client.exec(command, (err, stream) => {
        if (err) return finish(switchError(endpoint, 'Unreachable', `${describeSwitch(endpoint)}: cannot run a command: ${err.message}`));
        if (settled) return stream.close();
        channel = stream;
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let size = 0;
        const keep = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_OUTPUT) into.push(chunk);
        };
        stream.on('data', keep(out));
        stream.stderr.on('data', keep(errOut));
        stream.on('close', (code: number | null) => {
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(errOut).toString('utf8');
          if (code === 0) finish(undefined, stdout);
          else finish(classifyCommandFailure(endpoint, command, code ?? null, stderr));
        });
        stream.end(options.stdin ?? '');
      });
    });
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }
}
