import { z } from 'zod';
import { labels, str, strList } from './common';

const repository = z.strictObject({
  repo_type: z.enum(['apt', 'rpm']),
  url: str,
  distributions: strList.optional(),
  subrepos: strList.optional(),
  components: strList.optional(),
  gpgkey: str.optional(),
  arches: strList.optional(),
  options: z.record(z.string(), str).optional(),
});

const simFailure = z.strictObject({
  node: z.string(),
  action: z.string(),
  times: z.number().int().positive().optional(),
  retryable: z.boolean().optional(),
});
const simDriver = z.strictObject({
  type: z.literal('sim'),
  latency_ms: z.number().int().nonnegative().optional(),
  /** Per-action latency overriding latency_ms, e.g. `IdentifyNode: 1000`. */
  action_latency_ms: z.record(z.string(), z.number().int().nonnegative()).optional(),
  fail: z.array(simFailure).optional(),
});

/** EXTENSION: `data.drivers` selects the site's node, network and Kubernetes drivers. */
const drivers = z.strictObject({
  node: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('maas'), api_url: z.url({ protocol: /^https?$/ }), api_key: str, ca_bundle: str.optional() }),
      simDriver,
    ])
    .optional(),
  network: z.discriminatedUnion('type', [z.strictObject({ type: z.literal('linux-bridge') }), simDriver]).optional(),
  kubernetes: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('kubernetes'), api_url: z.url({ protocol: /^https?$/ }), token: str, ca_bundle: str.optional(), insecure: z.boolean().optional() }),
      simDriver,
    ])
    .optional(),
});

export const regionSchema = z.strictObject({
  tag_definitions: z.array(z.strictObject({ tag: str, definition_type: z.literal('lshw_xpath'), definition: str })).optional(),
  authorized_keys: strList.optional(),
  /** Repository name -> repository, plus the flag `remove_unlisted`. */
  repositories: z.object({ remove_unlisted: z.boolean().optional() }).catchall(repository).optional(),
  drivers: drivers.optional(),
  labels: labels.optional(),
});

export type RegionData = z.infer<typeof regionSchema>;
export type RepositoryData = z.infer<typeof repository>;
