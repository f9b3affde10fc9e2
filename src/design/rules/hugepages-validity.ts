import type { Finding } from '../findings';
import { nodeFinding, Rule } from './context';

/** Drydock's HugepagesValidity: `hugepages` (count) and `hugepagesz` (size) go together. */
export const hugepagesValidity: Rule = {
  code: 'hugepages-validity',
  run(ctx) {
    const out: Finding[] = [];
    for (const node of ctx.nodes) {
      const params = node.model.platform.kernelParams;
      const count = Object.prototype.hasOwnProperty.call(params, 'hugepages');
      const size = Object.prototype.hasOwnProperty.call(params, 'hugepagesz');
      if (count && !size) out.push(nodeFinding('hugepages-validity', node, ['platform', 'kernel_params', 'hugepages'], `node ${node.model.name} sets kernel parameter hugepages without hugepagesz; give both (e.g. hugepagesz: hardwareprofile:hugepages.<name>.size)`));
      if (size && !count) out.push(nodeFinding('hugepages-validity', node, ['platform', 'kernel_params', 'hugepagesz'], `node ${node.model.name} sets kernel parameter hugepagesz without hugepages; give both (e.g. hugepages: hardwareprofile:hugepages.<name>.count)`));
    }
    return out;
  },
};
