import type { Finding } from '../findings';
import { suggest } from '../schema-fields';
import { nodeFinding, Rule } from './context';

/**
 * The OOB type has a driver and every `oob.*` key is one a driver reads. Drydock lets any key
 * through (drivers read their own), so a misspelt `acount` would silently leave the BMC without
 * a user; here it is a warning. A node without `oob.type` is managed manually (power and boot by
 * hand), also a warning.
 */
const COMMON = ['network', 'account', 'credential', 'address', 'port'];
/** Power waiting, read by both BMC drivers (src/drivers/oob/params.ts). */
const POWER = ['power_timeout_s', 'poll_interval_ms', 'power_cycle'];
/** Every key each driver reads; keep in step with src/drivers/oob (docs/oob-drivers.md). */
export const OOB_PARAMS: Record<string, string[]> = {
  ipmi: [...POWER, 'cipher_suite', 'min_command_gap_ms', 'ipmi_timeout_s', 'ipmi_retries', 'privilege'],
  redfish: [...POWER, 'min_command_gap_ms', 'system_id', 'use_https', 'insecure', 'ca_bundle', 'auth', 'request_timeout_s', 'busy_retries', 'max_retry_after_s'],
  libvirt: ['libvirt_uri'],
  manual: [],
  sim: ['latency_ms', 'fail'],
};
const PARAMS = OOB_PARAMS;

export const oobParameters: Rule = {
  code: 'oob-parameters',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const { oob, name } = node.model;
      if (!node.sets('oob.type')) {
        out.push(nodeFinding('oob-parameters', node, ['oob'], `node ${name} has no oob.type: it is treated as manual (power and PXE boot by hand); set ipmi, redfish, libvirt or manual`));
      } else if (!Object.prototype.hasOwnProperty.call(PARAMS, oob.type)) {
        out.push(nodeFinding('oob-parameters', node, ['oob', 'type'], `no OOB driver for type "${oob.type}" (node ${name}); types are ${Object.keys(PARAMS).join(', ')}`, 'error'));
        continue;
      }
      const known = [...COMMON, ...(PARAMS[oob.type] ?? [])];
      const all = Object.values(PARAMS).flat();
      for (const key of Object.keys(oob.params)) {
        if (known.includes(key)) continue;
        const hint = suggest(key, [...known, ...all]);
        const other = all.includes(key) ? ` (it is a parameter of another OOB type, not ${oob.type})` : hint ? ` (did you mean "${hint}"?)` : '';
        out.push(nodeFinding('oob-parameters', node, ['oob', key], `oob.${key} of node ${name} is not read by the ${oob.type} driver${other}`));
      }
    }
    return out;
  },
};
