import { z } from 'zod';
import { str, strList } from './common';

const nodeFilter = z.strictObject({
  filter_type: z.enum(['intersection', 'union']),
  node_names: strList.optional(),
  node_tags: strList.optional(),
  node_labels: z.record(z.string(), str).optional(),
  rack_names: strList.optional(),
  rack_labels: z.record(z.string(), str).optional(),
});

export const nodeFilterSetSchema = z.strictObject({
  filter_set_type: z.enum(['intersection', 'union']),
  filter_set: z.array(nodeFilter),
});

const asset = z.strictObject({
  path: z.string().regex(/^\/.+/, { error: 'must be an absolute path' }).optional(),
  location: str.optional(),
  type: z.enum(['unit', 'file', 'pkg_list']),
  /** A string, or (pkg_list) a mapping of package name to version (empty: any version). */
  data: z
    .union([z.string(), z.record(z.string(), z.union([z.string(), z.null()]))], {
      error: 'must be a string, or for a pkg_list a mapping of package name to version string (or empty)',
    })
    .optional(),
  location_pipeline: z.array(z.enum(['template'])).optional(),
  data_pipeline: z.array(z.enum(['base64_encode', 'template', 'base64_decode', 'utf8_encode', 'utf8_decode'])).optional(),
  permissions: z.string({ error: "must be an octal file mode given as a string, e.g. '0644' or '755'" }).regex(/^[0-7]{3,4}$/, { error: "must be an octal file mode such as '0644' or '755'" }).optional(),
}).superRefine((a, ctx) => {
  if (a.type !== 'pkg_list' && a.data !== undefined && typeof a.data !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['data'], message: `the data of a ${a.type} asset must be a string (only pkg_list assets take a mapping of packages)` });
  }
  if (a.type !== 'pkg_list' && a.path === undefined) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `a ${a.type} asset needs a path (where the file is written on the node)` });
  }
});

export const bootActionSchema = z.strictObject({
  signaling: z.boolean().optional(),
  assets: z.array(asset),
  node_filter: nodeFilterSetSchema.optional(),
});

export type BootActionData = z.infer<typeof bootActionSchema>;
export type BootActionAssetData = z.infer<typeof asset>;
export type NodeFilterSetData = z.infer<typeof nodeFilterSetSchema>;
