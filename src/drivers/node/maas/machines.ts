import type { NodeModel } from '../../../design/model';
import { DriverError } from '../../errors';
import type { NodeIdentity } from '../interface';
import { MaasSession, nodeError, pause } from './session';
import { MaasMachine, STATUS } from './types';

/**
 * Finding a node's MAAS machine, reading it, and waiting for MAAS's long operations
 * (commissioning, deploying, releasing) with heartbeats that let a retried activity resume.
 */
export interface FoundMachine {
  machine: MaasMachine;
  matchedBy: NonNullable<NodeIdentity['matchedBy']>;
}

export function machinePath(systemId: string): string {
  return `machines/${encodeURIComponent(systemId)}/`;
}

export async function readMachine(session: MaasSession, systemId: string): Promise<MaasMachine> {
  return session.client.get<MaasMachine>(machinePath(systemId), undefined, session.ctx.signal);
}

/** The host part of a MAAS power_address: `10.0.0.5`, `10.0.0.5:623`, `https://10.0.0.5:8000/...`. */
export function powerAddressHost(address: string): { host: string; port?: number } {
  let rest = address.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  rest = rest.replace(/\/.*$/, '').replace(/^[^@]*@/, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const hostPort = /^([^:]+):(\d+)$/.exec(rest);
  if (hostPort) return { host: hostPort[1], port: Number(hostPort[2]) };
  return { host: rest };
}

function normaliseMac(mac: string): string {
  return mac.trim().toLowerCase().replace(/-/g, ':');
}

/** What identification looks at, for messages: "hostname n1, BMC address 10.0.0.5, boot MAC ...". */
export function identificationKeys(node: NodeModel): string {
  const keys = [`hostname ${node.name}`];
  if (node.oob.address) keys.push(`BMC address ${node.oob.address}${node.oob.port ? `:${node.oob.port}` : ''}`);
  if (node.bootMac) keys.push(`boot MAC ${node.bootMac}`);
  return keys.join(', ');
}

/**
 * Looks the node up as Drydock does: by hostname first, then by the BMC address MAAS holds in the
 * machines' power parameters, then by the boot interface's MAC address.
 */
export async function findMachine(session: MaasSession, node: NodeModel): Promise<FoundMachine | undefined> {
  const { client, ctx } = session;
  const byName = await client.get<MaasMachine[]>('machines/', { hostname: node.name }, ctx.signal);
  const named = byName.find((m) => m.hostname === node.name || m.fqdn.split('.')[0] === node.name);
  if (named) return { machine: named, matchedBy: 'hostname' };

  if (node.oob.address) {
    const powers = await client.get<Record<string, Record<string, unknown>>>('machines/', { op: 'power_parameters' }, ctx.signal);
    for (const [systemId, params] of Object.entries(powers)) {
      const address = typeof params.power_address === 'string' ? params.power_address : '';
      if (!address) continue;
      const { host, port } = powerAddressHost(address);
      if (host !== node.oob.address) continue;
      if (port !== undefined && node.oob.port !== undefined && port !== node.oob.port) continue;
      // One Redfish service may manage many Systems (a chassis manager, the lab's emulator):
      // the System id must match too when both sides name one.
      const wantedSystem = typeof node.oob.params.system_id === 'string' ? node.oob.params.system_id : undefined;
      const heldSystem = typeof params.node_id === 'string' && params.node_id !== '' ? params.node_id : undefined;
      if (wantedSystem !== undefined && heldSystem !== undefined && wantedSystem !== heldSystem) continue;
      return { machine: await readMachine(session, systemId), matchedBy: 'bmc-address' };
    }
  }

  if (node.bootMac) {
    const byMac = await client.get<MaasMachine[]>('machines/', { mac_address: normaliseMac(node.bootMac) }, ctx.signal);
    if (byMac.length > 0) return { machine: byMac[0], matchedBy: 'boot-mac' };
  }
  return undefined;
}

/** The node's machine, or a non-retryable NotFound that says what was looked for. */
export async function requireMachine(session: MaasSession, node: NodeModel): Promise<MaasMachine> {
  const found = await findMachine(session, node);
  if (!found) {
    throw nodeError(
      node,
      'NotFound',
      `MAAS at ${session.client.apiUrl} has no machine matching ${identificationKeys(node)}; the machine must PXE-boot once to enlist, then IdentifyNode names it`,
    );
  }
  return found.machine;
}

/** Heartbeat details of the long MAAS operations; `since` keeps the deadline across retries. */
export interface LifecycleProgress {
  phase: 'commissioning' | 'deploying' | 'releasing' | 'importing';
  machineId?: string;
  since: number;
  status?: string;
  /** Whether this driver asked MAAS to start the operation (for the operator's benefit). */
  requested?: boolean;
}

export function isProgress(value: unknown, phase: LifecycleProgress['phase'], machineId?: string): value is LifecycleProgress {
  if (!value || typeof value !== 'object') return false;
  const p = value as Partial<LifecycleProgress>;
  return p.phase === phase && typeof p.since === 'number' && (machineId === undefined || p.machineId === machineId);
}

/** The start of the operation: the previous attempt's, when this attempt resumes it. */
export function progressSince(session: MaasSession, phase: LifecycleProgress['phase'], machineId?: string): { since: number; resumed: boolean } {
  const previous = session.ctx.resumeFrom;
  if (isProgress(previous, phase, machineId)) return { since: previous.since, resumed: true };
  return { since: Date.now(), resumed: false };
}

export interface WaitSpec {
  node: NodeModel;
  machineId: string;
  phase: LifecycleProgress['phase'];
  since: number;
  timeoutMs: number;
  /** Status names that end the wait successfully. */
  done: string[];
  /** Status names that end it with OperationFailed. */
  failed: string[];
  /** Status names that are normal while waiting; anything else is unexpected. */
  waiting: string[];
  requested: boolean;
}

/** Polls the machine until it reaches a `done` status, heartbeating on every read. */
export async function waitForStatus(session: MaasSession, spec: WaitSpec): Promise<MaasMachine> {
  const { ctx } = session;
  const deadline = spec.since + spec.timeoutMs;
  let lastStatus = '';
  for (;;) {
    let machine: MaasMachine | undefined;
    try {
      machine = await readMachine(session, spec.machineId);
    } catch (err) {
      // A status read that failed after the client's own retries does not end a 45-minute wait.
      if (!(err instanceof DriverError) || !err.retryable || Date.now() > deadline) throw err;
      ctx.log(`reading machine ${spec.machineId} failed, will read again: ${err.message}`);
    }
    if (machine) {
      const status = machine.status_name;
      const progress: LifecycleProgress = { phase: spec.phase, machineId: spec.machineId, since: spec.since, status, requested: spec.requested };
      ctx.heartbeat(progress);
      if (status !== lastStatus) ctx.log(`machine ${spec.machineId} (node ${spec.node.name}) is ${status}`);
      lastStatus = status;
      if (spec.done.includes(status)) return machine;
      if (spec.failed.includes(status)) {
        const why = machine.error_description || machine.status_message || '';
        throw nodeError(spec.node, 'OperationFailed', `MAAS machine ${spec.machineId} ended ${spec.phase} in status "${status}"${why ? `: ${why}` : ''}`, {
          machine: spec.machineId,
          status,
        });
      }
      if (!spec.waiting.includes(status)) {
        throw nodeError(spec.node, 'InvalidRequest', `MAAS machine ${spec.machineId} went to status "${status}" while ${spec.phase}; someone else changed it`, {
          machine: spec.machineId,
          status,
        });
      }
    } else {
      ctx.heartbeat({ phase: spec.phase, machineId: spec.machineId, since: spec.since, status: lastStatus || undefined, requested: spec.requested } satisfies LifecycleProgress);
    }
    if (Date.now() > deadline) {
      const minutes = Math.round(spec.timeoutMs / 60_000);
      throw nodeError(spec.node, 'Timeout', `MAAS machine ${spec.machineId} is still ${lastStatus || 'not readable'} after ${minutes >= 1 ? `${minutes} min` : `${spec.timeoutMs} ms`} of ${spec.phase}`, {
        machine: spec.machineId,
        status: lastStatus || null,
      });
    }
    await pause(session.options.pollIntervalMs, ctx.signal);
  }
}

/** States in which MAAS lets interfaces and (Ready/Allocated) storage be edited. */
export const EDITABLE_NETWORK_STATES: string[] = [STATUS.new, STATUS.ready, STATUS.allocated, STATUS.broken, STATUS.failedTesting];
export const EDITABLE_STORAGE_STATES: string[] = [STATUS.ready, STATUS.allocated];
export const TRANSITIONAL_STATES: string[] = [STATUS.commissioning, STATUS.deploying, STATUS.releasing, STATUS.diskErasing, STATUS.testing];

/** For apply steps: decide from the machine's status whether to go on, skip (deployed) or fail. */
export function checkEditable(node: NodeModel, machine: MaasMachine, editable: string[], what: string): 'edit' | 'deployed' {
  const status = machine.status_name;
  if (editable.includes(status)) return 'edit';
  if (status === STATUS.deployed || status === STATUS.deploying) return 'deployed';
  if (TRANSITIONAL_STATES.includes(status)) {
    throw nodeError(node, 'Busy', `MAAS machine ${machine.system_id} is ${status}; ${what} can be applied once it is ${editable.join(' or ')}`, {
      machine: machine.system_id,
      status,
    });
  }
  throw nodeError(
    node,
    'InvalidRequest',
    `MAAS machine ${machine.system_id} is ${status}; ${what} can only be applied when it is ${editable.join(' or ')} (commission it with ConfigureHardware, or release it with DestroyNode)`,
    { machine: machine.system_id, status },
  );
}
