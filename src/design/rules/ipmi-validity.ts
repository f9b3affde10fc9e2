import type { Finding } from '../findings';
import { checkBmcAddress, checkParam } from './oob-address';
import type { Rule } from './context';

/**
 * Drydock's IpmiValidity: an IPMI node's BMC is reachable: an address on its `oob.network` (or,
 * our extension, `oob.address`). Account and credential are checked by oob-credentials.
 */
export const ipmiValidity: Rule = {
  code: 'ipmi-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      if (node.model.oob.type !== 'ipmi') continue;
      checkBmcAddress('ipmi-validity', node, 'IPMI', out);
      checkParam('ipmi-validity', node, 'min_command_gap_ms', 'number', out);
    }
    return out;
  },
};
