import { toAddress } from './ip';
import { ApiError, badRequest, conflict, Params } from './http';
import { defaultStorageLayout, restoreNetworking } from './hardware';
import { machineDetails } from './lshw';
import { inSubnet, normaliseIp, EmuModel } from './model';
import { Reply, Router, RouteContext } from './router';
import { EmuInterface, EmuLink, EmuMachine, StatusName, UBUNTU_RELEASES } from './state';

/**
 * Machines: the collection (filters, power parameters, allocate), one machine (read, update,
 * delete) and its lifecycle operations, and its interfaces. Lifecycle operations only record the
 * request, set the status and queue the BMC actions MAAS's power driver would take; the engine
 * moves the machine on once its BMC shows PXE boot and power on.
 */
const COMMISSIONABLE: StatusName[] = ['New', 'Ready', 'Failed commissioning', 'Failed testing', 'Broken'];
const RELEASABLE: StatusName[] = ['Allocated', 'Deployed', 'Deploying', 'Failed deployment', 'Releasing failed', 'Failed disk erasing', 'Broken'];
const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];

function machineOf(ctx: RouteContext): EmuMachine {
  return ctx.model.machine(ctx.match[0]);
}

function powerControllable(machine: EmuMachine): boolean {
  return machine.power_type !== 'manual' && machine.power_type !== '' && !!machine.power_parameters.power_address;
}

function startOperation(model: EmuModel, machine: EmuMachine, kind: NonNullable<EmuMachine['operation']>['kind'], extra: Partial<NonNullable<EmuMachine['operation']>> = {}): void {
  machine.operation = { kind, requestedAt: Date.now(), runningSince: null, ...extra };
  // MAAS powers the machine through its power driver; with power_type manual someone else must.
  if (powerControllable(machine) && kind !== 'releasing') machine.pending_power.push('pxe-on');
  model.count(machine, `${kind}_started`);
}

function releaseResources(machine: EmuMachine): void {
  machine.owner = null;
  machine.osystem = '';
  machine.distro_series = '';
  machine.hwe_kernel = null;
  machine.user_data = null;
  machine.workload_annotations = {};
  for (const iface of machine.interfaces) for (const link of iface.links) if (link.mode === 'auto') link.ip_address = null;
}

export { releaseResources };

function hasRootFilesystem(machine: EmuMachine): boolean {
  return machine.blockdevices.some((d) => d.filesystem?.mount_point === '/' || d.partitions.some((p) => p.filesystem?.mount_point === '/'));
}

function seriesName(raw: string): string {
  const bare = raw.replace(/^ubuntu\//, '');
  return Object.entries(UBUNTU_RELEASES).find(([, version]) => version === bare)?.[0] ?? bare;
}

function filterMachines(model: EmuModel, params: Params): EmuMachine[] {
  let machines = model.state.machines;
  const hostnames = params.fields.hostname;
  if (hostnames?.length) machines = machines.filter((m) => hostnames.includes(m.hostname) || hostnames.includes(`${m.hostname}.${model.state.domains.find((d) => d.id === m.domain_id)?.name}`));
  const macs = params.fields.mac_address?.map((m) => m.toLowerCase().replace(/-/g, ':'));
  if (macs?.length) machines = machines.filter((m) => m.interfaces.some((i) => macs.includes(i.mac_address)));
  const ids = [...(params.fields.id ?? []), ...(params.fields.system_id ?? [])];
  if (ids.length) machines = machines.filter((m) => ids.includes(m.system_id));
  const statuses = params.fields.status;
  if (statuses?.length) machines = machines.filter((m) => statuses.some((s) => s.toLowerCase() === m.status.toLowerCase().replace(/ /g, '_') || s.toLowerCase() === m.status.toLowerCase()));
  return machines;
}

export function addMachineRoutes(router: Router): void {
  router.get('machines/', ({ model, params }) => filterMachines(model, params).map((m) => model.renderMachine(m)));
  router.get(
    'machines/',
    ({ model, params }) => Object.fromEntries(filterMachines(model, params).map((m) => [m.system_id, { ...m.power_parameters }])),
    'power_parameters',
  );
  router.post(
    'machines/',
    ({ model, params }) => {
      let candidates = model.state.machines.filter((m) => m.status === 'Ready');
      const systemId = params.str('system_id');
      const name = params.str('name');
      if (systemId) candidates = candidates.filter((m) => m.system_id === systemId);
      if (name) candidates = candidates.filter((m) => m.hostname === name.split('.')[0]);
      const machine = candidates[0];
      if (!machine) throw new ApiError(409, `No machine available matching the given constraints${systemId ? ` (system_id=${systemId})` : name ? ` (name=${name})` : ''}.`);
      model.setStatus(machine, 'Allocated');
      machine.owner = model.state.credentials.username;
      model.count(machine, 'allocate');
      return model.renderMachine(machine);
    },
    'allocate',
  );

  for (const base of ['machines/{system_id}/', 'nodes/{system_id}/']) {
    router.get(base, (ctx) => ctx.model.renderMachine(machineOf(ctx)));
    router.get(base, (ctx) => ({ ...machineOf(ctx).power_parameters }), 'power_parameters');
    // machines.py has query_power_state; NodeHandler (nodes.py) does not.
    if (base === 'machines/{system_id}/') router.get(base, (ctx) => ({ state: machineOf(ctx).power_state }), 'query_power_state');
    router.get(base, (ctx) => new Reply(200, machineDetails(machineOf(ctx), ctx.model.labMachine(machineOf(ctx)))), 'details');
  }

  router.put('machines/{system_id}/', (ctx) => {
    const { model, params } = ctx;
    const machine = machineOf(ctx);
    if (params.has('hostname')) {
      const hostname = params.required('hostname');
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(hostname)) throw badRequest('hostname', `Invalid hostname: ${hostname}`);
      if (model.state.machines.some((m) => m !== machine && m.hostname === hostname)) throw badRequest('hostname', 'Node with this Hostname already exists.');
      machine.hostname = hostname;
    }
    if (params.has('domain')) {
      const spec = params.required('domain');
      const domain = model.state.domains.find((d) => d.name === spec || String(d.id) === spec);
      if (!domain) throw badRequest('domain', 'Select a valid choice. That choice is not one of the available choices.');
      machine.domain_id = domain.id;
    }
    if (params.has('power_type')) {
      const type = params.required('power_type');
      if (!['manual', 'ipmi', 'redfish', 'virsh', 'lxd'].includes(type)) throw badRequest('power_type', `Select a valid choice. ${type} is not one of the available choices.`);
      machine.power_type = type;
      if (type === 'manual') machine.power_parameters = {};
    }
    for (const [key, values] of Object.entries(params.fields)) {
      if (key.startsWith('power_parameters_') && key !== 'power_parameters_skip_check') machine.power_parameters[key.slice('power_parameters_'.length)] = values[values.length - 1];
    }
    if (params.has('architecture')) machine.architecture = params.required('architecture');
    if (params.has('cpu_count')) machine.cpu_count = params.requiredInt('cpu_count');
    if (params.has('memory')) machine.memory = params.requiredInt('memory');
    return model.renderMachine(machine);
  });
  router.delete('machines/{system_id}/', (ctx) => {
    const machine = machineOf(ctx);
    if (['Deploying', 'Commissioning', 'Releasing', 'Disk erasing'].includes(machine.status)) throw conflict(`Cannot delete machine ${machine.system_id} while it is ${machine.status}.`);
    ctx.model.state.machines = ctx.model.state.machines.filter((m) => m !== machine);
    ctx.model.state.enlisted = ctx.model.state.enlisted.filter((k) => k !== machine.lab);
    for (const tag of ctx.model.state.tags) tag.machines = tag.machines.filter((id) => id !== machine.system_id);
    return new Reply(204, '');
  });

  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      model.count(machine, 'commission');
      if (!COMMISSIONABLE.includes(machine.status)) throw conflict(`Machine cannot be commissioned in its current state ('${machine.status}').`);
      model.setStatus(machine, 'Commissioning', 'Commissioning');
      machine.error_description = '';
      // CommissionForm's BooleanFields (src/maasserver/forms/ephemeral.py), read the Django way.
      const options = {
        enable_ssh: params.bool('enable_ssh'),
        skip_bmc_config: params.bool('skip_bmc_config'),
        skip_networking: params.bool('skip_networking'),
        skip_storage: params.bool('skip_storage'),
      };
      machine.commission_options = options;
      startOperation(model, machine, 'commissioning', { skipNetworking: options.skip_networking, skipStorage: options.skip_storage, enableSsh: options.enable_ssh, skipBmcConfig: options.skip_bmc_config });
      return model.renderMachine(machine);
    },
    'commission',
  );

  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      model.count(machine, 'deploy');
      if (machine.status === 'Ready') {
        model.setStatus(machine, 'Allocated');
        machine.owner = model.state.credentials.username;
        model.count(machine, 'allocate');
      }
      if (machine.status !== 'Allocated') throw conflict(`Can't deploy a machine that is in the '${machine.status}' state`);
      const raw = params.str('distro_series') || String(model.state.settings.default_distro_series);
      const series = seriesName(raw);
      const imported = [...new Set(model.state.bootResources.map((r) => r.name))];
      if (!imported.includes(`ubuntu/${series}`)) {
        throw badRequest('distro_series', `'${raw}' is not a valid distro_series.  It should be one of: ${imported.map((n) => `'${n}'`).join(', ') || "''"}.`);
      }
      const kernel = params.str('hwe_kernel') || null;
      if (kernel) {
        const kernels = model.state.bootResources.filter((r) => r.name === `ubuntu/${series}`).map((r) => r.architecture.split('/')[1]);
        if (!kernels.includes(kernel)) throw badRequest('hwe_kernel', `${kernel} is not available for ubuntu/${series} on ${machine.architecture}.`);
      }
      if (!hasRootFilesystem(machine)) throw badRequest('storage', "Mount the root '/' filesystem to be able to deploy this node.");
      let userData: string | null = null;
      if (params.has('user_data')) {
        const text = params.str('user_data') ?? '';
        if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) throw badRequest('user_data', 'The user_data must be base64-encoded.');
        userData = Buffer.from(text, 'base64').toString('utf8');
      }
      machine.osystem = 'ubuntu';
      machine.distro_series = series;
      machine.hwe_kernel = kernel;
      machine.user_data = userData;
      model.setStatus(machine, 'Deploying', 'Deploying');
      machine.error_description = '';
      startOperation(model, machine, 'deploying');
      return model.renderMachine(machine);
    },
    'deploy',
  );

  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      model.count(machine, 'release');
      if (['Releasing', 'Disk erasing', 'Ready'].includes(machine.status)) return model.renderMachine(machine); // nothing to do, as MAAS answers
      if (!RELEASABLE.includes(machine.status)) throw conflict(`Machine cannot be released in its current state ('${machine.status}').`);
      const erase = params.has('erase') ? params.bool('erase') : model.state.settings.enable_disk_erasing_on_release === true;
      if (erase) {
        model.setStatus(machine, 'Disk erasing', `Erasing disks${params.bool('quick_erase') ? ' (quick erase)' : ''}`);
        startOperation(model, machine, 'disk-erasing');
      } else {
        model.setStatus(machine, 'Releasing', 'Releasing');
        startOperation(model, machine, 'releasing');
        if (powerControllable(machine)) machine.pending_power.push('off');
      }
      return model.renderMachine(machine);
    },
    'release',
  );

  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      ctx.model.count(machine, 'power_on');
      if (!powerControllable(machine)) throw new ApiError(503, `Unable to power on ${machine.hostname}: power_type ${machine.power_type} has no BMC to drive.`);
      machine.pending_power.push('on');
      return ctx.model.renderMachine(machine);
    },
    'power_on',
  );
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      ctx.model.count(machine, 'power_off');
      if (!powerControllable(machine)) throw new ApiError(503, `Unable to power off ${machine.hostname}: power_type ${machine.power_type} has no BMC to drive.`);
      machine.pending_power.push('off');
      return ctx.model.renderMachine(machine);
    },
    'power_off',
  );
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      ctx.model.setStatus(machine, 'Broken', ctx.params.str('comment') ?? '');
      machine.error_description = ctx.params.str('comment') ?? '';
      machine.operation = null;
      return ctx.model.renderMachine(machine);
    },
    'mark_broken',
  );
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      if (machine.status !== 'Broken') throw conflict(`Unable to be fixed because the machine is ${machine.status}, not Broken.`);
      ctx.model.setStatus(machine, machine.commissioned ? 'Ready' : 'New');
      return ctx.model.renderMachine(machine);
    },
    'mark_fixed',
  );
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      if (!machine.operation) throw conflict(`Unable to abort: machine ${machine.system_id} has no action in progress.`);
      const back: StatusName = machine.operation.kind === 'deploying' ? 'Allocated' : machine.operation.kind === 'commissioning' ? (machine.previous_status ?? 'New') : 'Releasing failed';
      machine.operation = null;
      ctx.model.setStatus(machine, back);
      return ctx.model.renderMachine(machine);
    },
    'abort',
  );
  for (const op of ['set_workload_annotations', 'set_owner_data']) {
    router.post(
      'machines/{system_id}/',
      (ctx) => {
        const machine = machineOf(ctx);
        if (!machine.owner) throw conflict(`Cannot set ${op === 'set_owner_data' ? 'owner data' : 'workload annotations'}: machine ${machine.system_id} is not allocated.`);
        for (const [key, values] of Object.entries(ctx.params.fields)) {
          if (key === 'op') continue;
          const value = values[values.length - 1];
          if (value === '') delete machine.workload_annotations[key];
          else machine.workload_annotations[key] = value;
        }
        return ctx.model.renderMachine(machine);
      },
      op,
    );
  }
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      restoreNetworking(ctx.model, machine);
      return ctx.model.renderMachine(machine);
    },
    'restore_networking_configuration',
  );
  router.post(
    'machines/{system_id}/',
    (ctx) => {
      const machine = machineOf(ctx);
      defaultStorageLayout(ctx.model, machine);
      return ctx.model.renderMachine(machine);
    },
    'restore_storage_configuration',
  );

  addInterfaceRoutes(router);
}

// ---- interfaces ------------------------------------------------------------------------------

/** MAAS keeps an enabled interface that lost its last link "up" (LINK_UP, no address). */
function ensureLinkUp(model: EmuModel, iface: EmuInterface): void {
  if (iface.enabled && iface.links.length === 0 && iface.vlan_id !== null) iface.links.push({ id: model.id(), mode: 'link_up', subnet_id: null, ip_address: null });
}

function inBond(machine: EmuMachine, iface: EmuInterface): EmuInterface | undefined {
  return machine.interfaces.find((i) => i.type === 'bond' && i.parents.includes(iface.id));
}

function removeInterface(model: EmuModel, machine: EmuMachine, iface: EmuInterface): void {
  for (const child of machine.interfaces.filter((i) => i.parents.includes(iface.id) && i.type === 'vlan')) removeInterface(model, machine, child);
  const ids = new Set(iface.links.map((l) => l.id));
  if (machine.gateway_link_ipv4 !== null && ids.has(machine.gateway_link_ipv4)) machine.gateway_link_ipv4 = null;
  machine.interfaces = machine.interfaces.filter((i) => i !== iface);
  for (const parentId of iface.type === 'bond' ? iface.parents : []) {
    const parent = machine.interfaces.find((i) => i.id === parentId);
    if (parent) ensureLinkUp(model, parent);
  }
}

function bondParams(params: Params, current: Record<string, string | number> = {}): Record<string, string | number> {
  const result: Record<string, string | number> = {
    bond_mode: 'balance-rr',
    bond_miimon: 100,
    bond_downdelay: 0,
    bond_updelay: 0,
    bond_lacp_rate: 'fast',
    bond_xmit_hash_policy: 'layer2',
    bond_num_grat_arp: 1,
    ...current,
  };
  const mode = params.str('bond_mode');
  if (mode !== undefined) {
    if (!BOND_MODES.includes(mode)) throw badRequest('bond_mode', `Select a valid choice. ${mode} is not one of the available choices.`);
    result.bond_mode = mode;
  }
  for (const key of ['bond_miimon', 'bond_downdelay', 'bond_updelay', 'bond_num_grat_arp']) if (params.has(key)) result[key] = params.requiredInt(key);
  const lacp = params.str('bond_lacp_rate');
  if (lacp !== undefined) {
    if (!['fast', 'slow'].includes(lacp)) throw badRequest('bond_lacp_rate', `Select a valid choice. ${lacp} is not one of the available choices.`);
    result.bond_lacp_rate = lacp;
  }
  const hash = params.str('bond_xmit_hash_policy');
  if (hash !== undefined) {
    if (!['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4'].includes(hash)) throw badRequest('bond_xmit_hash_policy', `Select a valid choice. ${hash} is not one of the available choices.`);
    result.bond_xmit_hash_policy = hash;
  }
  return result;
}

function mtuParam(params: Params): number | null | undefined {
  if (!params.has('mtu')) return undefined;
  const mtu = params.requiredInt('mtu');
  if (mtu < 552 || mtu > 65535) throw badRequest('mtu', 'Ensure this value is between 552 and 65535.');
  return mtu;
}

function setVlan(model: EmuModel, machine: EmuMachine, iface: EmuInterface, vlanId: number | null): void {
  if (iface.vlan_id === vlanId) return;
  iface.vlan_id = vlanId;
  // Links to subnets of another VLAN cannot stay.
  const removed = iface.links.filter((l) => l.subnet_id !== null && model.state.subnets.find((s) => s.id === l.subnet_id)?.vlan_id !== vlanId);
  iface.links = iface.links.filter((l) => !removed.includes(l));
  if (removed.some((l) => l.id === machine.gateway_link_ipv4)) machine.gateway_link_ipv4 = null;
  ensureLinkUp(model, iface);
  if (iface.type === 'bond') for (const p of machine.interfaces.filter((i) => iface.parents.includes(i.id))) p.vlan_id = vlanId;
}

function addInterfaceRoutes(router: Router): void {
  const base = 'nodes/{system_id}/interfaces/';
  const one = `${base}{id}/`;
  const ifaceOf = (ctx: RouteContext) => ctx.model.iface(machineOf(ctx), ctx.match[1]);

  router.get(base, (ctx) => {
    const machine = machineOf(ctx);
    return machine.interfaces.map((i) => ctx.model.renderInterface(machine, i));
  });
  router.get(one, (ctx) => ctx.model.renderInterface(machineOf(ctx), ifaceOf(ctx)));

  router.post(
    base,
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      const name = params.required('name');
      if (machine.interfaces.some((i) => i.name === name)) throw badRequest('name', `Interface with name "${name}" already exists on this machine.`);
      const parentIds = params.fields.parents ?? [];
      if (parentIds.length === 0) throw badRequest('parents', 'A bond interface must have one or more parents.');
      const parents = parentIds.map((id) => {
        const parent = machine.interfaces.find((i) => String(i.id) === id);
        if (!parent) throw badRequest('parents', `Select a valid choice. ${id} is not one of the available choices.`);
        if (parent.type !== 'physical') throw badRequest('parents', `${parent.name} is not a physical interface.`);
        if (inBond(machine, parent)) throw badRequest('parents', `${parent.name} is already in a bond.`);
        return parent;
      });
      const vlanId = params.has('vlan') ? model.vlan(params.required('vlan')).id : parents[0].vlan_id;
      const bond: EmuInterface = {
        id: model.id(),
        name,
        type: 'bond',
        mac_address: (params.str('mac_address') ?? parents[0].mac_address).toLowerCase(),
        vlan_id: vlanId,
        parents: parents.map((p) => p.id),
        enabled: true,
        mtu: mtuParam(params) ?? null,
        params: bondParams(params),
        tags: params.list('tags'),
        links: [],
      };
      for (const p of parents) {
        if (p.links.some((l) => l.id === machine.gateway_link_ipv4)) machine.gateway_link_ipv4 = null;
        p.links = [];
        p.vlan_id = vlanId;
      }
      ensureLinkUp(model, bond);
      machine.interfaces.push(bond);
      return model.renderInterface(machine, bond);
    },
    'create_bond',
  );

  router.post(
    base,
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      const vlan = model.vlan(params.required('vlan'));
      const parentId = params.required('parent');
      const parent = machine.interfaces.find((i) => String(i.id) === parentId);
      if (!parent) throw badRequest('parent', `Select a valid choice. ${parentId} is not one of the available choices.`);
      if (inBond(machine, parent)) throw badRequest('parent', `${parent.name} is in a bond; create the VLAN interface on the bond.`);
      if (vlan.vid === 0) throw badRequest('vlan', 'A VLAN interface can only belong to a tagged VLAN.');
      const parentVlan = parent.vlan_id === null ? undefined : model.vlan(parent.vlan_id);
      if (parentVlan && parentVlan.fabric_id !== vlan.fabric_id) throw badRequest('vlan', 'A VLAN interface can only belong to a tagged VLAN on the same fabric as its parent interface.');
      if (machine.interfaces.some((i) => i.type === 'vlan' && i.parents[0] === parent.id && i.vlan_id === vlan.id)) {
        throw badRequest('__all__', `A VLAN interface with parent ${parent.name} and VLAN ${vlan.vid} already exists.`);
      }
      const iface: EmuInterface = {
        id: model.id(),
        name: `${parent.name}.${vlan.vid}`,
        type: 'vlan',
        mac_address: parent.mac_address,
        vlan_id: vlan.id,
        parents: [parent.id],
        enabled: true,
        mtu: mtuParam(params) ?? null,
        params: {},
        tags: params.list('tags'),
        links: [],
      };
      ensureLinkUp(model, iface);
      machine.interfaces.push(iface);
      return model.renderInterface(machine, iface);
    },
    'create_vlan',
  );

  router.put(one, (ctx) => {
    const { model, params } = ctx;
    const machine = machineOf(ctx);
    const iface = ifaceOf(ctx);
    if (params.has('name') && iface.type !== 'vlan') {
      const name = params.required('name');
      if (machine.interfaces.some((i) => i !== iface && i.name === name)) throw badRequest('name', `Interface with name "${name}" already exists on this machine.`);
      iface.name = name;
    }
    if (params.has('vlan')) {
      const spec = params.str('vlan');
      const vlanId = spec ? model.vlan(spec).id : null;
      if (iface.type === 'vlan' && (vlanId === null || model.vlan(vlanId).vid === 0)) throw badRequest('vlan', 'A VLAN interface can only belong to a tagged VLAN.');
      if (inBond(machine, iface)) throw badRequest('vlan', `${iface.name} is in a bond; its VLAN follows the bond.`);
      setVlan(model, machine, iface, vlanId);
    }
    const mtu = mtuParam(params);
    if (mtu !== undefined) iface.mtu = mtu;
    if (iface.type === 'bond') iface.params = bondParams(params, iface.params);
    if (params.has('mac_address')) iface.mac_address = params.required('mac_address').toLowerCase();
    return model.renderInterface(machine, iface);
  });

  router.delete(one, (ctx) => {
    const machine = machineOf(ctx);
    removeInterface(ctx.model, machine, ifaceOf(ctx));
    return new Reply(204, '');
  });

  router.post(
    one,
    (ctx) => {
      const { model, params } = ctx;
      const machine = machineOf(ctx);
      const iface = ifaceOf(ctx);
      if (inBond(machine, iface)) throw badRequest('bond', `Cannot link interface(${iface.name}) when interface is in a bond(${inBond(machine, iface)!.name}).`);
      const mode = (params.required('mode')).toLowerCase();
      if (!['auto', 'dhcp', 'static', 'link_up'].includes(mode)) {
        throw badRequest('mode', `Select a valid choice. ${params.str('mode')} is not one of the available choices. Choices are: AUTO, DHCP, STATIC, LINK_UP.`);
      }
      const force = params.bool('force');
      const subnet = params.has('subnet') ? model.subnetOrInvalid('subnet', params.required('subnet')) : undefined;
      if (subnet && iface.vlan_id !== null && !force && subnet.vlan_id !== iface.vlan_id) {
        throw badRequest('subnet', 'Select a valid choice. That choice is not one of the available choices.');
      }
      if ((mode === 'auto' || mode === 'static') && !subnet) throw badRequest('subnet', 'This field is required.');
      let ip: string | null = null;
      if (mode === 'dhcp' && iface.links.some((l) => l.mode === 'dhcp')) throw badRequest('mode', 'Interface is already set to DHCP.');
      if (mode === 'static') {
        const requested = params.str('ip_address');
        if (requested) {
          if (!toAddress(requested)) throw badRequest('ip_address', 'Enter a valid IPv4 or IPv6 address.');
          ip = normaliseIp(requested);
          if (!inSubnet(subnet!, ip)) throw badRequest('ip_address', `IP address is not in the given subnet '${subnet!.cidr}'.`);
          const range = model.dynamicRangeFor(subnet!, ip);
          if (range) throw badRequest('ip_address', `IP address is inside a dynamic range ${range.start_ip} to ${range.end_ip}.`);
          if (model.usedAddresses().has(ip)) throw badRequest('ip_address', 'IP address is already in use.');
        } else {
          ip = model.allocateAddress(subnet!);
        }
      }
      if (mode === 'link_up' && iface.links.some((l) => l.mode !== 'link_up') && !force) {
        throw badRequest('mode', 'Cannot configure interface to link up (with no IP address) while other links are already configured. Specify force=True to override this behavior and delete all links.');
      }
      const defaultGateway = params.bool('default_gateway');
      if (defaultGateway) {
        if (mode !== 'auto' && mode !== 'static') throw badRequest('default_gateway', `Cannot use in mode '${mode}'.`);
        if (!subnet!.gateway_ip) throw badRequest('default_gateway', `Cannot set as default gateway because subnet ${subnet!.cidr} doesn't provide a gateway IP address.`);
      }
      if (force) {
        if (iface.links.some((l) => l.id === machine.gateway_link_ipv4)) machine.gateway_link_ipv4 = null;
        iface.links = [];
        if (subnet) iface.vlan_id = subnet.vlan_id;
      }
      if (iface.vlan_id === null && subnet) iface.vlan_id = subnet.vlan_id;
      // LINK_UP replaces the LINK_UP and DHCP links; an address replaces the LINK_UP link.
      iface.links = iface.links.filter((l) => l.mode !== 'link_up' && (mode !== 'link_up' || l.mode !== 'dhcp'));
      const link: EmuLink = { id: model.id(), mode: mode as EmuLink['mode'], subnet_id: subnet?.id ?? null, ip_address: ip };
      iface.links.push(link);
      if (defaultGateway) machine.gateway_link_ipv4 = link.id;
      return model.renderInterface(machine, iface);
    },
    'link_subnet',
  );

  router.post(
    one,
    (ctx) => {
      const machine = machineOf(ctx);
      const iface = ifaceOf(ctx);
      const id = ctx.params.required('id');
      const link = iface.links.find((l) => String(l.id) === id);
      if (!link) throw badRequest('id', `Select a valid choice. ${id} is not one of the available choices.`);
      iface.links = iface.links.filter((l) => l !== link);
      if (machine.gateway_link_ipv4 === link.id) machine.gateway_link_ipv4 = null;
      ensureLinkUp(ctx.model, iface);
      return ctx.model.renderInterface(machine, iface);
    },
    'unlink_subnet',
  );

  router.post(
    one,
    (ctx) => {
      const machine = machineOf(ctx);
      const iface = ifaceOf(ctx);
      const linkId = ctx.params.str('link_id');
      const candidates = iface.links.filter((l) => (l.mode === 'static' || l.mode === 'auto') && l.subnet_id !== null && ctx.model.subnet(l.subnet_id).gateway_ip);
      const link = linkId ? candidates.find((l) => String(l.id) === linkId) : candidates.length === 1 ? candidates[0] : undefined;
      if (!link) throw badRequest('link_id', linkId ? `Select a valid choice. ${linkId} is not one of the available choices.` : 'This interface has no (or more than one) link with a gateway; give link_id.');
      machine.gateway_link_ipv4 = link.id;
      return ctx.model.renderInterface(machine, iface);
    },
    'set_default_gateway',
  );

  router.post(
    one,
    (ctx) => {
      const machine = machineOf(ctx);
      const iface = ifaceOf(ctx);
      if (iface.links.some((l) => l.id === machine.gateway_link_ipv4)) machine.gateway_link_ipv4 = null;
      iface.links = [];
      iface.vlan_id = null;
      return ctx.model.renderInterface(machine, iface);
    },
    'disconnect',
  );
}
