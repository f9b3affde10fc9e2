import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../../src/tools/poll';
import { freePort } from '../../src/tools/ports';
import { ManagedProcess, startProcessGroup } from '../../src/tools/process-group';
import { findLabTool, SETUP_HINT } from '../lab-tools';

/**
 * OpenStack sushy-tools' Redfish emulator with its fake driver: a real Redfish service whose
 * systems keep power and boot state in a fresh state directory. Power changes land 1-11 s after
 * the request, as on real BMCs. Bound to loopback only.
 */
export interface SushySystemSpec {
  name: string;
  uuid?: string;
  powerState?: 'On' | 'Off';
  nics?: Array<{ mac: string; ip?: string }>;
}

export interface SushyOptions {
  systems: SushySystemSpec[];
  /** Basic authentication in front of everything but the service root (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
  ip?: string;
  port?: number;
  featureSet?: 'full' | 'vmedia' | 'minimum';
  startTimeoutMs?: number;
}

export interface SushyEmulator {
  /** e.g. http://127.0.0.1:8123 */
  url: string;
  ip: string;
  port: number;
  systems: Array<Required<Pick<SushySystemSpec, 'name' | 'uuid'>> & { path: string }>;
  process: ManagedProcess;
  /** Every request line the emulator logged, e.g. `POST /redfish/v1/Systems/<uuid>/Actions/ComputerSystem.Reset`. */
  requests(): string[];
  stop(): Promise<void>;
}

function pyString(value: string): string {
  return JSON.stringify(value); // a JSON string literal is a valid Python string literal
}

function bcryptHash(python: string, password: string): string {
  // The password goes through stdin, never argv.
  const result = spawnSync(python, ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.stdin.buffer.read(), bcrypt.gensalt(rounds=4)).decode())'], {
    input: password,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`could not hash the emulator password with bcrypt: ${result.stderr}`);
  return result.stdout.trim();
}

export async function startSushyEmulator(options: SushyOptions): Promise<SushyEmulator> {
  const binary = findLabTool('sushy-emulator', { envVar: 'SUSHY_EMULATOR_PATH', inVenv: true, install: `pip install sushy-tools, or ${SETUP_HINT}` });
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const dir = mkdtempSync(join(tmpdir(), 'drydock-sushy-'));
  const systems = options.systems.map((s) => ({ ...s, uuid: s.uuid ?? randomUUID() }));

  const lines = [
    `SUSHY_EMULATOR_LISTEN_IP = ${pyString(ip)}`,
    `SUSHY_EMULATOR_LISTEN_PORT = ${port}`,
    'SUSHY_EMULATOR_FAKE_DRIVER = True',
    `SUSHY_EMULATOR_STATE_DIR = ${pyString(join(dir, 'state'))}`,
    `SUSHY_EMULATOR_FEATURE_SET = ${pyString(options.featureSet ?? 'full')}`,
    'SUSHY_EMULATOR_FAKE_SYSTEMS = [',
    ...systems.map(
      (s) =>
        `  {'uuid': ${pyString(s.uuid)}, 'name': ${pyString(s.name)}, 'power_state': ${pyString(s.powerState ?? 'Off')}, 'nics': [${(s.nics ?? [])
          .map((n) => `{'mac': ${pyString(n.mac)}, 'ip': ${pyString(n.ip ?? '')}}`)
          .join(', ')}]},`,
    ),
    ']',
  ];
  if (options.auth) {
    const python = join(binary, '..', 'python3');
    writeFileSync(join(dir, 'htpasswd'), `${options.auth.username}:${bcryptHash(python, options.auth.password)}\n`, { mode: 0o600 });
    lines.push(`SUSHY_EMULATOR_AUTH_FILE = ${pyString(join(dir, 'htpasswd'))}`);
  }
  const configPath = join(dir, 'emulator.conf');
  writeFileSync(configPath, `${lines.join('\n')}\n`);

  const logPath = join(dir, 'emulator.log');
  const proc = startProcessGroup('sushy-emulator', 'sh', ['-c', `exec "$0" --config "$1" >>"$2" 2>&1`, binary, configPath, logPath], {
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const url = `http://${ip}:${port}`;
  const readLog = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await pollUntil(
      async () => {
        if (proc.exited()) throw new Error(`sushy-emulator exited during start-up:\n${readLog().slice(-2000)}`);
        const response = await fetch(`${url}/redfish/v1/`, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? true : undefined;
      },
      { timeoutMs: options.startTimeoutMs ?? 60_000, what: `sushy-emulator at ${url}`, isFatal: (err) => proc.exited() && err instanceof Error },
    );
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url,
    ip,
    port,
    systems: systems.map((s) => ({ name: s.name, uuid: s.uuid, path: `/redfish/v1/Systems/${s.uuid}` })),
    process: proc,
    // werkzeug colours non-200 request lines with ANSI escapes: strip them before matching.
    // eslint-disable-next-line no-control-regex
    requests: () => [...readLog().replace(/\x1b\[[0-9;]*m/g, '').matchAll(/"((?:GET|POST|PATCH|PUT|DELETE) \S+) HTTP\/[\d.]+" \d+/g)].map((m) => m[1]),
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
