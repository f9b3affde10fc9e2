import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { FaultConfigInput, parseFaultConfig, parseEmulatorConfig, EmulatorConfig, EmulatorConfigInput } from './config';
import { enlistMachine, discoverDisks, defaultStorageLayout } from './hardware';
import { labKeyOf, EmuModel } from './model';
import { EmulatorServer } from './server';
import { initialState, loadState } from './state';

/**
 * The lab's MAAS emulator: MAAS 3.4's API 2.0 on loopback whose machines follow the lab's BMCs.
 * See docs/maas.md for what it implements and how it differs from MAAS.
 */
export interface MaasEmulatorOptions {
  /** Configuration (see lab/maas/config.ts); defaults give an empty MAAS. */
  config?: EmulatorConfigInput;
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** JSON state file: loaded when it exists, rewritten after every change. Absent: memory only. */
  statePath?: string;
  log?: (message: string) => void;
}

export interface MaasEmulator {
  /** e.g. http://127.0.0.1:41234/MAAS (what a Region's drivers.node.apiUrl names) */
  url: string;
  port: number;
  /** consumer:token:secret */
  apiKey: string;
  config: EmulatorConfig;
  /** Operation counters (also at GET {url}/lab/stats). */
  stats(): ReturnType<EmulatorServer['stats']>;
  setFaults(faults: FaultConfigInput): void;
  /** Calls `listener` each time a machine reaches Deployed, with the user data it was deployed with. */
  onDeployed(listener: (machine: DeployedMachine) => void): void;
  /** Stops serving and waits for running BMC actions; the state file keeps everything. */
  stop(): Promise<void>;
  server: EmulatorServer;
}

export interface DeployedMachine {
  systemId: string;
  hostname: string;
  /** The deploy request's `user_data`, decoded (null when none was given). */
  userData: string | null;
}

export async function startMaasEmulator(options: MaasEmulatorOptions = {}): Promise<MaasEmulator> {
  const config = parseEmulatorConfig(options.config ?? {});
  const log = options.log ?? (() => undefined);
  const loaded = options.statePath ? loadState(options.statePath) : undefined;
  const state = loaded ?? initialState(config);
  if (config.apiKey) {
    const [consumerKey, tokenKey, tokenSecret] = config.apiKey.split(':');
    state.credentials = { ...state.credentials, consumerKey, tokenKey, tokenSecret };
  }
  const model = new EmuModel(state, config, options.statePath);
  // Lab machines that are in MAAS from the start (once: a restart keeps what happened since).
  config.machines.forEach((lab, index) => {
    if (lab.enlist !== 'at-start' || state.enlisted.includes(labKeyOf(lab, index))) return;
    const machine = enlistMachine(model, lab, index);
    if (lab.initialStatus === 'Ready') {
      discoverDisks(model, machine, lab);
      defaultStorageLayout(model, machine);
      machine.commissioned = true;
      machine.status = 'Ready';
    }
  });
  model.save();

  const emulator = new EmulatorServer(model, log);
  const host = options.host ?? '127.0.0.1';
  emulator.server.listen(options.port ?? 0, host);
  await once(emulator.server, 'listening');
  emulator.engine.start();
  const port = (emulator.server.address() as AddressInfo).port;
  const { consumerKey, tokenKey, tokenSecret } = state.credentials;
  let stopped = false;
  return {
    url: `http://${host}:${port}/MAAS`,
    port,
    apiKey: `${consumerKey}:${tokenKey}:${tokenSecret}`,
    config,
    stats: () => emulator.stats(),
    setFaults: (faults) => emulator.setFaults(parseFaultConfig(faults)),
    onDeployed: (listener) => emulator.engine.onDeployed((m) => listener({ systemId: m.system_id, hostname: m.hostname, userData: m.user_data })),
    server: emulator,
    async stop() {
      if (stopped) return;
      stopped = true;
      await emulator.engine.stop();
      model.save();
      emulator.server.closeAllConnections();
      await new Promise<void>((resolve) => emulator.server.close(() => resolve()));
    },
  };
}

export type { EmulatorConfig, EmulatorConfigInput, FaultConfigInput } from './config';
