import type { Finding } from '../findings';
import { checkBmcAddress, checkParam } from './oob-address';
import type { Rule } from './context';

/** Like ipmi-validity, for Redfish BMCs (Drydock has no such rule), and the Redfish options' types. */
export const redfishValidity: Rule = {
  code: 'redfish-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      if (node.model.oob.type !== 'redfish') continue;
      checkBmcAddress('redfish-validity', node, 'Redfish', out);
      checkParam('redfish-validity', node, 'system_id', 'string', out);
      checkParam('redfish-validity', node, 'use_https', 'boolean', out);
      checkParam('redfish-validity', node, 'insecure', 'boolean', out);
      checkParam('redfish-validity', node, 'ca_bundle', 'string', out);
    }
    return out;
  },
};
