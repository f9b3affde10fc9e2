import type { Finding } from '../findings';
import { nodeFinding, Rule } from './context';

/** Drydock's BootactionDefined: every node is expected to get at least one post-deploy boot action. */
export const bootactionDefined: Rule = {
  code: 'bootaction-defined',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      if (node.model.bootActions.length === 0) out.push(nodeFinding('bootaction-defined', node, [], `node ${node.model.name} is not in scope of any boot action (a post-deploy action is expected for every node)`));
    }
    return out;
  },
};
