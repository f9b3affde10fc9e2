import { stringify } from 'yaml';
import type { NodeModel } from '../../../design/model';
import type { ActionOutcome } from '../../context';
import type { NodeIdentity, NodeInterrogation } from '../../../contracts/driver-results';
import type { SiteContext } from '../../../contracts/site-context';
import { findMachine, identificationKeys, isProgress, machinePath, progressSince, readMachine, requireMachine, waitForStatus } from './machines';
import type { DeployOptions } from '../interface';
import { MaasSession, nodeError } from './session';
import { MaasMachine, STATUS } from './types';

/**
 * The machine's lifecycle in MAAS: identification, commissioning (ConfigureHardware), allocation
 * and deployment (DeployNode), release with disk erase (DestroyNode), and InterrogateNode.
 *
 * Long operations are started at most once per observed state: the step reads the machine
 * first, sends commission/deploy/release only from a state that needs it, then polls with a
 * heartbeat per read. A retried activity (after a crash, a timeout or a lost response) reads the
 * machine again, finds it Commissioning/Deploying/Releasing, and only resumes polling, keeping
 * the deadline of the first attempt from the heartbeat details (ctx.resumeFrom).
 */

export async function identifyNode(session: MaasSession, node: NodeModel, site: SiteContext): Promise<NodeIdentity> {
  const { client, ctx } = session;
  const found = await findMachine(session, node);
  if (!found) {
    ctx.log(`node ${node.name}: no MAAS machine matches ${identificationKeys(node)} yet`);
    return { found: false };
  }
  let machine = found.machine;
  const domain = await knownDomain(session, node, site);
  const update: Record<string, string> = {};
  if (machine.hostname !== node.name) update.hostname = node.name;
  if (domain && machine.domain?.name !== domain) update.domain = domain;
  if (update.hostname) {
    // The node's name must be free: a second machine already called so is a conflict to resolve
    // by hand, not something to overwrite.
    const clash = (await client.get<MaasMachine[]>('machines/', { hostname: node.name }, ctx.signal)).find((m) => m.system_id !== machine.system_id && m.hostname === node.name);
    if (clash) {
      throw nodeError(node, 'InvalidRequest', `MAAS machine ${machine.system_id} matches by ${found.matchedBy}, but machine ${clash.system_id} is already called ${node.name}`, {
        machine: machine.system_id,
      });
    }
  }
  if (Object.keys(update).length > 0) {
    machine = await client.put<MaasMachine>(machinePath(machine.system_id), update, ctx.signal);
    ctx.log(`node ${node.name}: MAAS machine ${machine.system_id} (found by ${found.matchedBy}) now ${update.hostname ? `named ${node.name} (was ${found.machine.hostname})` : ''}${update.domain ? ` in domain ${update.domain}` : ''}`);
  }
  return { found: true, machineId: machine.system_id, status: machine.status_name, matchedBy: found.matchedBy };
}

/** The DNS domain of the node's primary network, when the design gives one and MAAS knows it
 * (CreateNetworkTemplate creates it; before that the machine stays in its domain). */
async function knownDomain(session: MaasSession, node: NodeModel, site: SiteContext): Promise<string | undefined> {
  const wanted = node.primaryNetwork ? site.networks[node.primaryNetwork]?.dns.domain : undefined;
  if (!wanted) return undefined;
  const domains = await session.client.get<Array<{ name: string }>>('domains/', undefined, session.ctx.signal);
  if (domains.some((d) => d.name === wanted)) return wanted;
  session.ctx.log(`node ${node.name}: DNS domain ${wanted} does not exist in MAAS yet; run CreateNetworkTemplate to create it`);
  return undefined;
}

/**
 * What an earlier attempt of this step did, for the step's message (issue 17): a retried
 * attempt that finds the work done, or resumes the wait, says that the first attempt started
 * it, instead of "already done (no change)" hiding the work done. Undefined for a first attempt.
 */
function earlierAttempt(session: MaasSession, phase: 'commissioning' | 'deploying' | 'releasing', machineId: string): string | undefined {
  const previous = session.ctx.resumeFrom;
  if (!isProgress(previous, phase, machineId)) return undefined;
  return previous.requested ? 'the first attempt started it; resumed after that attempt was interrupted' : 'resumed after the first attempt was interrupted';
}

const COMMISSION_FROM: string[] = [STATUS.new, STATUS.broken, STATUS.failedCommissioning, STATUS.failedTesting];
const COMMISSIONED: string[] = [STATUS.ready, STATUS.allocated, STATUS.deploying, STATUS.deployed];

export async function configureHardware(session: MaasSession, node: NodeModel): Promise<ActionOutcome> {
  const { client, ctx, options } = session;
  const machine = await requireMachine(session, node);
  const id = machine.system_id;
  const status = machine.status_name;
  const earlier = earlierAttempt(session, 'commissioning', id);
  if (COMMISSIONED.includes(status)) {
    if (earlier) return { changed: true, message: `node ${node.name}: MAAS machine ${id} commissioned (${status}) (${earlier}; found done)`, details: { machine: id, status, resumed: true } };
    return { changed: false, message: `node ${node.name}: MAAS machine ${id} is already commissioned (${status})`, details: { machine: id, status } };
  }
  const progress = progressSince(session, 'commissioning', id);
  let requested = false;
  if (COMMISSION_FROM.includes(status)) {
    // A resumed attempt that sees a failure state again means commissioning failed; starting
    // over is a decision for a person or a later run, not for a retry.
    if (progress.resumed && status === STATUS.failedCommissioning) {
      throw nodeError(node, 'OperationFailed', `MAAS machine ${id} failed commissioning${machine.status_message ? `: ${machine.status_message}` : ''}`, { machine: id, status });
    }
    // CommissionForm's BooleanFields are read by Django's CheckboxInput: any value but "false"
    // (or empty) is true, so "0" would enable SSH and skip the BMC configuration.
    await client.post<MaasMachine>(machinePath(id), 'commission', { enable_ssh: false, skip_bmc_config: false }, ctx.signal);
    requested = true;
    ctx.heartbeat({ phase: 'commissioning', machineId: id, since: progress.since, status: STATUS.commissioning, requested });
    ctx.log(`node ${node.name}: commissioning MAAS machine ${id} (was ${status})`);
  } else if (status !== STATUS.commissioning && status !== STATUS.testing) {
    throw nodeError(node, 'InvalidRequest', `MAAS machine ${id} is ${status}; it can be commissioned from New, Broken or Failed commissioning`, { machine: id, status });
  }
  const done = await waitForStatus(session, {
    node,
    machineId: id,
    phase: 'commissioning',
    since: progress.since,
    timeoutMs: options.commissionTimeoutMs,
    done: [STATUS.ready],
    failed: [STATUS.failedCommissioning, STATUS.failedTesting],
    waiting: [STATUS.commissioning, STATUS.testing, STATUS.new],
    requested,
  });
  return {
    changed: true,
    message: `node ${node.name}: MAAS machine ${id} commissioned (${done.cpu_count} CPUs, ${done.memory} MiB, ${done.blockdevice_set.length} disks, ${done.interface_set.length} interfaces)${earlier ? ` (${earlier})` : ''}`,
    details: { machine: id, status: done.status_name, resumed: progress.resumed },
  };
}

/** Packages of the node's boot actions (`pkg_list` assets), merged in boot-action order. */
export function nodePackages(node: NodeModel, site: SiteContext): Array<string | [string, string]> {
  const packages = new Map<string, string | null>();
  for (const name of node.bootActions) {
    const action = site.bootActions[name];
    if (!action) continue;
    for (const asset of action.assets) {
      if (asset.type !== 'pkg_list' || !asset.data || typeof asset.data !== 'object') continue;
      for (const [pkg, version] of Object.entries(asset.data)) if (!packages.has(pkg) || version) packages.set(pkg, version ?? null);
    }
  }
  return [...packages.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([pkg, version]) => (version ? [pkg, version] : pkg));
}

/** cloud-init user data carrying the package list, as Drydock's deployment sends it. */
export function deployUserData(node: NodeModel, site: SiteContext): string | undefined {
  const packages = nodePackages(node, site);
  if (packages.length === 0) return undefined;
  return `#cloud-config\n${stringify({ packages })}`;
}

/** `ubuntu/jammy` and `jammy` name the same MAAS image; the design may use either. */
export function distroSeries(image: string | undefined): string | undefined {
  return image ? image.replace(/^ubuntu\//, '') : undefined;
}

async function setWorkloadAnnotations(session: MaasSession, node: NodeModel, machine: MaasMachine): Promise<boolean> {
  const current = machine.workload_annotations ?? machine.owner_data ?? {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(node.labels)) if (current[key] !== value) fields[key] = value;
  for (const key of Object.keys(current)) if (!(key in node.labels)) fields[key] = ''; // empty removes
  if (Object.keys(fields).length === 0) return false;
  await session.client.post(machinePath(machine.system_id), 'set_workload_annotations', fields, session.ctx.signal);
  session.ctx.log(`node ${node.name}: set workload annotations ${Object.keys(fields).join(', ')}`);
  return true;
}

const DEPLOYED_OR_ON_ITS_WAY: string[] = [STATUS.deploying, STATUS.deployed];

export async function deployNode(session: MaasSession, node: NodeModel, site: SiteContext, deploy: DeployOptions = {}): Promise<ActionOutcome> {
  const { client, ctx, options } = session;
  let machine = await requireMachine(session, node);
  const id = machine.system_id;
  const earlier = earlierAttempt(session, 'deploying', id);
  if (machine.status_name === STATUS.deployed) {
    if (earlier) return { changed: true, message: `node ${node.name}: MAAS machine ${id} deployed (${machine.osystem}/${machine.distro_series}) (${earlier}; found done)`, details: { machine: id, status: STATUS.deployed, resumed: true } };
    return { changed: false, message: `node ${node.name}: MAAS machine ${id} is already deployed (${machine.osystem}/${machine.distro_series})`, details: { machine: id, status: STATUS.deployed } };
  }
  const progress = progressSince(session, 'deploying', id);
  let requested = false;
  if (!DEPLOYED_OR_ON_ITS_WAY.includes(machine.status_name)) {
    if (machine.status_name === STATUS.failedDeployment) {
      if (progress.resumed) {
        throw nodeError(node, 'OperationFailed', `MAAS machine ${id} failed deployment${machine.status_message ? `: ${machine.status_message}` : ''}`, { machine: id, status: machine.status_name });
      }
      // As Drydock does: a machine left in Failed deployment by an earlier run is released and
      // deployed again.
      ctx.log(`node ${node.name}: MAAS machine ${id} is in Failed deployment from an earlier run; releasing it to deploy again`);
      await client.post(machinePath(id), 'release', { erase: false }, ctx.signal);
      machine = await waitForStatus(session, {
        node,
        machineId: id,
        phase: 'releasing',
        since: Date.now(),
        timeoutMs: options.releaseTimeoutMs,
        done: [STATUS.ready],
        failed: [STATUS.failedReleasing, STATUS.failedDiskErasing],
        waiting: [STATUS.releasing, STATUS.diskErasing, STATUS.failedDeployment],
        requested: true,
      });
    }
    if (machine.status_name === STATUS.ready) {
      machine = await client.post<MaasMachine>('machines/', 'allocate', { system_id: id }, ctx.signal);
      ctx.log(`node ${node.name}: allocated MAAS machine ${id}`);
    }
    if (machine.status_name !== STATUS.allocated) {
      throw nodeError(node, 'InvalidRequest', `MAAS machine ${id} is ${machine.status_name}; it can be deployed once commissioned (Ready), so run ConfigureHardware first`, {
        machine: id,
        status: machine.status_name,
      });
    }
    await setWorkloadAnnotations(session, node, machine);
    const userData = deploy.userData ? await deploy.userData() : deployUserData(node, site);
    await client.post<MaasMachine>(
      machinePath(id),
      'deploy',
      {
        distro_series: distroSeries(node.platform.image),
        hwe_kernel: node.platform.kernel,
        user_data: userData ? Buffer.from(userData).toString('base64') : undefined,
      },
      ctx.signal,
    );
    requested = true;
    ctx.heartbeat({ phase: 'deploying', machineId: id, since: progress.since, status: STATUS.deploying, requested });
    ctx.log(`node ${node.name}: deploying MAAS machine ${id} (${node.platform.image ?? 'default image'}${node.platform.kernel ? `, kernel ${node.platform.kernel}` : ''})`);
  }
  const done = await waitForStatus(session, {
    node,
    machineId: id,
    phase: 'deploying',
    since: progress.since,
    timeoutMs: options.deployTimeoutMs,
    done: [STATUS.deployed],
    failed: [STATUS.failedDeployment],
    waiting: [STATUS.deploying, STATUS.allocated],
    requested,
  });
  return {
    changed: true,
    message: `node ${node.name}: MAAS machine ${id} deployed (${done.osystem}/${done.distro_series}${done.hwe_kernel ? `, ${done.hwe_kernel}` : ''})${earlier ? ` (${earlier})` : ''}`,
    details: { machine: id, status: done.status_name, resumed: progress.resumed },
  };
}

const RELEASABLE: string[] = [STATUS.allocated, STATUS.deployed, STATUS.deploying, STATUS.failedDeployment, STATUS.failedReleasing, STATUS.failedDiskErasing, STATUS.broken];
const RELEASING: string[] = [STATUS.releasing, STATUS.diskErasing];

export async function destroyNode(session: MaasSession, node: NodeModel): Promise<ActionOutcome> {
  const { client, ctx, options } = session;
  const found = await findMachine(session, node);
  if (!found) return { changed: false, message: `node ${node.name}: no MAAS machine matches ${identificationKeys(node)}; nothing to release` };
  const machine = found.machine;
  const id = machine.system_id;
  const progress = progressSince(session, 'releasing', id);
  let requested = false;
  if (RELEASABLE.includes(machine.status_name)) {
    await client.post<MaasMachine>(machinePath(id), 'release', { erase: true, quick_erase: true, comment: `drydock DestroyNode ${node.name}` }, ctx.signal);
    requested = true;
    ctx.heartbeat({ phase: 'releasing', machineId: id, since: progress.since, status: STATUS.releasing, requested });
    ctx.log(`node ${node.name}: releasing MAAS machine ${id} with disk erase (was ${machine.status_name})`);
  } else if (!RELEASING.includes(machine.status_name)) {
    const earlier = earlierAttempt(session, 'releasing', id);
    if (earlier && machine.status_name === STATUS.ready) return { changed: true, message: `node ${node.name}: MAAS machine ${id} released (${machine.status_name}) (${earlier}; found done)`, details: { machine: id, status: machine.status_name, resumed: true } };
    return { changed: false, message: `node ${node.name}: MAAS machine ${id} is ${machine.status_name}; nothing to release`, details: { machine: id, status: machine.status_name } };
  }
  const done = await waitForStatus(session, {
    node,
    machineId: id,
    phase: 'releasing',
    since: progress.since,
    timeoutMs: options.releaseTimeoutMs,
    done: [STATUS.ready],
    failed: [STATUS.failedReleasing, STATUS.failedDiskErasing],
    waiting: [...RELEASING, ...RELEASABLE],
    requested,
  });
  const earlier = earlierAttempt(session, 'releasing', id);
  return { changed: true, message: `node ${node.name}: MAAS machine ${id} released and its disks erased (${done.status_name})${earlier ? ` (${earlier})` : ''}`, details: { machine: id, status: done.status_name } };
}

/** InterrogateNode: what MAAS knows of the machine, without credentials. */
export async function interrogateNode(session: MaasSession, node: NodeModel): Promise<NodeInterrogation> {
  const found = await findMachine(session, node);
  if (!found) return { identity: { found: false }, details: { lookedFor: identificationKeys(node) } };
  const m = await readMachine(session, found.machine.system_id);
  const details: Record<string, unknown> = {
    systemId: m.system_id,
    hostname: m.hostname,
    fqdn: m.fqdn,
    status: m.status_name,
    statusMessage: m.status_message,
    powerType: m.power_type,
    powerState: m.power_state,
    architecture: m.architecture,
    cpuCount: m.cpu_count,
    memoryMiB: m.memory,
    osystem: m.osystem,
    distroSeries: m.distro_series,
    hweKernel: m.hwe_kernel,
    tags: m.tag_names,
    bootMac: m.boot_interface?.mac_address ?? null,
    ipAddresses: m.ip_addresses,
    interfaces: m.interface_set.map((i) => ({
      name: i.name,
      type: i.type,
      mac: i.mac_address,
      fabric: i.vlan?.fabric ?? null,
      vid: i.vlan?.vid ?? null,
      mtu: i.effective_mtu,
      parents: i.parents,
      links: i.links.map((l) => ({ mode: l.mode, subnet: l.subnet?.cidr ?? null, ip: l.ip_address ?? null })),
    })),
    bootDisk: m.boot_disk?.name ?? null,
    blockDevices: m.blockdevice_set.map((d) => ({
      name: d.name,
      type: d.type,
      size: d.size,
      model: d.model ?? null,
      serial: d.serial ?? null,
      filesystem: d.filesystem ? { fstype: d.filesystem.fstype, mountPoint: d.filesystem.mount_point } : null,
      partitions: d.partitions.map((p) => ({ size: p.size, bootable: p.bootable, filesystem: p.filesystem ? { fstype: p.filesystem.fstype, mountPoint: p.filesystem.mount_point } : null })),
    })),
    volumeGroups: m.volume_groups.map((v) => ({ name: v.name, size: v.size, logicalVolumes: v.logical_volumes.map((l) => ({ name: l.name, size: l.size })) })),
    hardware: m.hardware_info ?? {},
  };
  return { identity: { found: true, machineId: m.system_id, status: m.status_name, matchedBy: found.matchedBy }, details };
}
