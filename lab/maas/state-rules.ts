import { conflict } from './http';
import type { EmuMachine, StatusName } from './state';

/**
 * The machine states each state-guarded operation of the emulator accepts, as MAAS's handlers
 * check them (canonical/maas 3.4, src/maasserver/api/*.py; `NodeStateViolation` answers 409 with
 * a plain-text message). Keyed by the emulator's route template. One table, so that the table
 * tests compare it with what MAAS's source says (test/unit/lab/maas/reference.test.ts).
 */
const READY: StatusName[] = ['Ready'];
const READY_OR_ALLOCATED: StatusName[] = ['Ready', 'Allocated'];
/** interfaces.py raise_error_for_invalid_state_on_allocated_operations: 3.4 and later; New is
 * refused by 3.0-3.3 (see `interfaceStates`). */
const INTERFACE: StatusName[] = ['New', 'Ready', 'Failed testing', 'Allocated', 'Broken'];

const device = 'nodes/{system_id}/blockdevices/{id}/';
const partitions = 'nodes/{system_id}/blockdevices/{device_id}/partitions/';
const partition = ['nodes/{system_id}/blockdevices/{device_id}/partition/{id}', 'nodes/{system_id}/blockdevices/{device_id}/partitions/{id}'];
const vgs = 'nodes/{system_id}/volume-groups/';
const vg = ['nodes/{system_id}/volume-group/{id}/', 'nodes/{system_id}/volume-groups/{id}/'];
const ifaces = 'nodes/{system_id}/interfaces/';
const iface = 'nodes/{system_id}/interfaces/{id}/';

export interface StateRule {
  states: StatusName[];
  /** What MAAS's message says is refused ("Cannot <what> because the machine is not ..."). */
  what: string;
}

const rule = (states: StatusName[], what: string): StateRule => ({ states, what });
const rules = (entries: Array<[string, StateRule]>): Record<string, StateRule> => Object.fromEntries(entries);

export const STATE_RULES: Record<string, StateRule> = {
  // blockdevices.py: delete, set_boot_disk need Ready; format/unformat/mount/unmount Ready or Allocated
  [`DELETE ${device}`]: rule(READY, 'delete block device'),
  [`POST ${device}?op=set_boot_disk`]: rule(READY, 'set boot disk'),
  ...rules(['format', 'unformat', 'mount', 'unmount'].map((op): [string, StateRule] => [`POST ${device}?op=${op}`, rule(READY_OR_ALLOCATED, `${op} block device`)])),
  // partitions.py: create and delete need Ready; format/unformat/mount/unmount Ready or Allocated
  [`POST ${partitions}`]: rule(READY, 'create partition'),
  ...rules(
    partition.flatMap((p): Array<[string, StateRule]> => [
      [`DELETE ${p}`, rule(READY, 'delete partition')],
      ...['format', 'unformat', 'mount', 'unmount'].map((op): [string, StateRule] => [`POST ${p}?op=${op}`, rule(READY_OR_ALLOCATED, `${op} partition`)]),
    ]),
  ),
  // volume_groups.py: everything that changes needs Ready
  [`POST ${vgs}`]: rule(READY, 'create volume group'),
  ...rules(
    vg.flatMap((p): Array<[string, StateRule]> => [
      [`PUT ${p}`, rule(READY, 'update volume group')],
      [`DELETE ${p}`, rule(READY, 'delete volume group')],
      [`POST ${p}?op=create_logical_volume`, rule(READY, 'create logical volume')],
      [`POST ${p}?op=delete_logical_volume`, rule(READY, 'delete logical volume')],
    ]),
  ),
  // interfaces.py
  [`POST ${ifaces}?op=create_bond`]: rule(INTERFACE, 'create bond interface'),
  [`POST ${ifaces}?op=create_vlan`]: rule(INTERFACE, 'create VLAN interface'),
  [`PUT ${iface}`]: rule(INTERFACE, 'update interface'),
  [`DELETE ${iface}`]: rule(INTERFACE, 'delete interface'),
  [`POST ${iface}?op=link_subnet`]: rule(INTERFACE, 'link subnet interface'),
  [`POST ${iface}?op=unlink_subnet`]: rule(INTERFACE, 'unlink subnet interface'),
  [`POST ${iface}?op=set_default_gateway`]: rule(INTERFACE, 'set default gateway interface'),
  [`POST ${iface}?op=disconnect`]: rule(INTERFACE, 'disconnect interface'),
  // machines.py restore_*_configuration
  ['POST machines/{system_id}/?op=restore_networking_configuration']: rule(['Ready', 'Failed testing'], 'restore networking configuration'),
  ['POST machines/{system_id}/?op=restore_storage_configuration']: rule(['Ready', 'Failed testing'], 'restore storage configuration'),
};

/** Whether the region's version refuses interface edits on New machines (MAAS 3.0-3.3 do: their
 * interfaces.py guard lists Ready, Failed testing, Allocated and Broken only). */
export function refusesNewInterfaceEdits(version: string): boolean {
  const [major, minor] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major < 3 || (major === 3 && minor < 4);
}

function list(states: StatusName[]): string {
  return states.length === 1 ? states[0] : `${states.slice(0, -1).join(', ')}${states.length > 2 ? ',' : ''} or ${states[states.length - 1]}`;
}

/** Throws MAAS's 409 (plain text, no Retry-After: a state conflict is not transient). */
export function requireState(machine: EmuMachine, rule: StateRule, version: string): void {
  const allowed = rule.states === INTERFACE && refusesNewInterfaceEdits(version) ? rule.states.filter((s) => s !== 'New') : rule.states;
  if (!allowed.includes(machine.status)) throw conflict(`Cannot ${rule.what} because the machine is not ${list(allowed)}.`);
}
