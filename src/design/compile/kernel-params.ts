import type { HardwareProfileModel } from '../model';

/**
 * Kernel parameter values as the model keeps them, with hardware-profile references resolved:
 *   hardwareprofile:cpuset.<set>              -> the cpu set, e.g. '2,4'
 *   hardwareprofile:hugepages.<conf>.size     -> e.g. '1G'
 *   hardwareprofile:hugepages.<conf>.count    -> e.g. '300'
 * `true` and an empty value are flags; `false` leaves the parameter out; numbers become strings.
 */
export type ResolvedParam = { ok: true; value: string | true | undefined } | { ok: false; value: string; problem: string };

export function resolveKernelParam(raw: unknown, hw: HardwareProfileModel | undefined, hwName: string | undefined): ResolvedParam {
  if (raw === true || raw === null) return { ok: true, value: true };
  if (raw === false) return { ok: true, value: undefined };
  if (typeof raw === 'number') return { ok: true, value: String(raw) };
  if (typeof raw !== 'string') return { ok: false, value: typeof raw === 'bigint' ? raw.toString() : '', problem: 'must be a string, a number or a flag (true)' };
  if (!raw.startsWith('hardwareprofile:')) return { ok: true, value: raw };
  const ref = raw.slice('hardwareprofile:'.length);
  if (!hw) {
    return { ok: false, value: raw, problem: hwName ? `refers to hardware profile ${hwName}, which is not defined` : 'refers to the hardware profile, but the node has no hardware_profile' };
  }
  const cpuset = /^cpuset\.(.+)$/.exec(ref);
  if (cpuset) {
    const set = Object.prototype.hasOwnProperty.call(hw.cpuSets, cpuset[1]) ? hw.cpuSets[cpuset[1]] : undefined;
    return set !== undefined ? { ok: true, value: set } : { ok: false, value: raw, problem: `hardware profile ${hw.name} has no cpu_sets entry "${cpuset[1]}"${known(hw.cpuSets)}` };
  }
  const huge = /^hugepages\.(.+)\.(size|count)$/.exec(ref);
  if (huge) {
    const conf = Object.prototype.hasOwnProperty.call(hw.hugepages, huge[1]) ? hw.hugepages[huge[1]] : undefined;
    if (!conf) return { ok: false, value: raw, problem: `hardware profile ${hw.name} has no hugepages entry "${huge[1]}"${known(hw.hugepages)}` };
    return { ok: true, value: huge[2] === 'size' ? conf.size : String(conf.count) };
  }
  return { ok: false, value: raw, problem: `"${raw}" is not a reference drydock understands: use hardwareprofile:cpuset.<name> or hardwareprofile:hugepages.<name>.size|count` };
}

function known(record: Record<string, unknown>): string {
  const names = Object.keys(record);
  return names.length > 0 ? ` (it has: ${names.join(', ')})` : '';
}
