import type { CompiledNode } from '../compile';
import type { Finding } from '../findings';
import { parseIp } from '../ip';
import type { FindingCode } from '../codes';
import { nodeFinding } from './context';

/** Shared by ipmi-validity and redfish-validity (each reports under its own code): the BMC address. */
export function checkBmcAddress(code: FindingCode, node: CompiledNode, kind: string, out: Finding[]): void {
  const { oob, name } = node.model;
  if (oob.address !== undefined) {
    if (!parseIp(oob.address) && !isHostname(oob.address)) out.push(nodeFinding(code, node, ['oob', 'address'], `oob.address "${oob.address}" of ${kind} node ${name} is neither an IP address nor a host name`));
    return;
  }
  if (oob.network === undefined) {
    out.push(nodeFinding(code, node, ['oob'], `${kind} node ${name} has no BMC address: set oob.network (and give the node an address on it) or oob.address`));
    return;
  }
  const dhcp = node.model.addressing.some((a) => a.network === oob.network && a.address === 'dhcp');
  out.push(nodeFinding(code, node, ['oob', 'network'], `${kind} node ${name} has no ${dhcp ? 'static ' : ''}address on its OOB network ${oob.network}: add one under addressing, or set oob.address`));
}

function isHostname(s: string): boolean {
  return s.length <= 253 && s.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

/** Checks the type of an optional oob parameter. */
export function checkParam(code: FindingCode, node: CompiledNode, key: string, expected: 'string' | 'boolean' | 'number', out: Finding[]): void {
  const v = node.model.oob.params[key];
  if (v === undefined) return;
  const ok = expected === 'number' ? typeof v === 'number' && Number.isFinite(v) && v >= 0 : typeof v === expected;
  if (!ok) out.push(nodeFinding(code, node, ['oob', key], `oob.${key} of node ${node.model.name} must be ${expected === 'number' ? 'a non-negative number' : `a ${expected}`}`));
}
