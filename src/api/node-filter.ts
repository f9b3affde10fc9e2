import { z } from 'zod';
import type { NodeFilterSet } from '../design/model';
import { badRequest } from './errors';

/** Drydock's node filter as callers send it (doc/source/task.rst), snake_case. */
const combine = z.enum(['union', 'intersection']);
const labels = z.record(z.string(), z.string());
export const drydockNodeFilterSchema = z
  .object({
    filter_set_type: combine,
    filter_set: z.array(
      z
        .object({
          filter_type: combine,
          node_names: z.array(z.string()).optional(),
          node_tags: z.array(z.string()).optional(),
          node_labels: labels.optional(),
          rack_names: z.array(z.string()).optional(),
          rack_labels: labels.optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type DrydockNodeFilter = z.infer<typeof drydockNodeFilterSchema>;

/** null or absent: every node. Anything else must be a well-formed filter (400 otherwise). */
export function parseNodeFilter(value: unknown): NodeFilterSet | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = drydockNodeFilterSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `node_filter.${issue.path.join('.')}` : 'node_filter';
    throw badRequest(`${where}: ${issue.message} (a node filter is {filter_set_type: union|intersection, filter_set: [{filter_type, node_names, node_tags, node_labels, rack_names, rack_labels}]})`);
  }
  return {
    filterSetType: parsed.data.filter_set_type,
    filterSet: parsed.data.filter_set.map((f) => ({
      filterType: f.filter_type,
      nodeNames: f.node_names,
      nodeTags: f.node_tags,
      nodeLabels: f.node_labels,
      rackNames: f.rack_names,
      rackLabels: f.rack_labels,
    })),
  };
}

export function singleNodeFilter(node: string): DrydockNodeFilter {
  return { filter_set_type: 'union', filter_set: [{ filter_type: 'union', node_names: [node] }] };
}
