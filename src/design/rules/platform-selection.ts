import type { Finding } from '../findings';
import { designFinding, nodeFinding, Rule } from './context';

/**
 * Drydock's PlatformSelection: each node's image and kernel are offered by the node bootstrapper.
 * The lists come from the caller (the node driver, or `drydock validate --image/--kernel`).
 */
export const platformSelection: Rule = {
  code: 'platform-selection',
  run(ctx) {
    const out: Finding[] = [];
    const available = ctx.options.availableImages;
    if (!available) {
      if (ctx.nodes.length > 0) out.push(designFinding('platform-selection', 'image and kernel selections not checked: no list of available images and kernels was given', 'info'));
      return out;
    }
    const images = new Set(available.images);
    const kernels = new Set(available.kernels);
    for (const node of ctx.nodes) {
      const { image, kernel } = node.model.platform;
      if (image === undefined) out.push(nodeFinding('platform-selection', node, ['platform'], `node ${node.model.name} has no platform.image; choose one of: ${available.images.join(', ') || '(none available)'}`));
      else if (!images.has(image)) out.push(nodeFinding('platform-selection', node, ['platform', 'image'], `image "${image}" of node ${node.model.name} is not available; choose one of: ${available.images.join(', ') || '(none available)'}`));
      if (kernel === undefined) out.push(nodeFinding('platform-selection', node, ['platform'], `node ${node.model.name} has no platform.kernel; choose one of: ${available.kernels.join(', ') || '(none available)'}`));
      else if (!kernels.has(kernel)) out.push(nodeFinding('platform-selection', node, ['platform', 'kernel'], `kernel "${kernel}" of node ${node.model.name} is not available; choose one of: ${available.kernels.join(', ') || '(none available)'}`));
    }
    return out;
  },
};
