import { templateContext } from '../../bootactions/context';
import { PipelineError, runPipeline } from '../../bootactions/pipeline';
import type { Finding } from '../findings';
import type { NetworkModel } from '../model';
import { docFinding, Rule } from './context';

/** Stand-ins for what only a deployment knows; templates that use them still render. */
const PLACEHOLDER_ACTION = { actionId: '01J00000000000000000000000', actionKey: '0'.repeat(64), reportUrl: 'http://drydock.invalid/api/v1.0/bootactions/', designRef: 'design' };

/**
 * Ours: a template error found at validation, not when the node downloads its assets. Runs each
 * unit/file asset's inline data through its data pipeline for every node the boot action targets
 * (with the sandboxed engine's limits), so a syntax error, a wrong segment order (template on
 * bytes) or a missing network on one node is reported with the asset, segment and template line.
 * Assets fetched from a location are checked at deploy time instead.
 */
export const bootactionTemplate: Rule = {
  code: 'bootaction-template',
  run(ctx) {
    const out: Finding[] = [];
    const networks: Record<string, NetworkModel> = Object.fromEntries([...ctx.design.networks].map(([n, e]) => [n, e.model]));
    const nodes = new Map(ctx.nodes.map((n) => [n.model.name, n.model]));
    for (const { model, doc } of ctx.design.bootActions.values()) {
      model.assets.forEach((asset, i) => {
        if (asset.type === 'pkg_list' || asset.location !== undefined || typeof asset.data !== 'string') return;
        const seen = new Set<string>();
        for (const name of model.targetNodes) {
          const node = nodes.get(name);
          if (!node) continue;
          try {
            runPipeline({ kind: 'bytes', bytes: new TextEncoder().encode(asset.data) }, asset.dataPipeline, templateContext(node, { networks }, PLACEHOLDER_ACTION));
          } catch (e) {
            const detail = e instanceof PipelineError ? `data_pipeline[${e.segment}] ${e.message}` : (e as Error).message;
            if (seen.has(detail)) continue;
            seen.add(detail);
            out.push(docFinding('bootaction-template', doc, ['assets', i, 'data'], `asset ${i}${asset.path ? ` (${asset.path})` : ''}, for node ${name}: ${detail}`));
            if (!asset.dataPipeline.includes('template')) break;
          }
        }
      });
    }
    return out;
  },
};
