import type { NodeModel } from '../../../design/model';
import type { ActionOutcome } from '../../context';
import type { SiteContext } from '../../../contracts/site-context';
import { distroSeries } from './lifecycle';
import { checkEditable, EDITABLE_NETWORK_STATES, requireMachine } from './machines';
import { ChangeLog, MaasSession, nodeError } from './session';
import { createOrFind } from './site-network';
import type { MaasBootResource, MaasTag } from './types';

/**
 * ApplyNodePlatform: kernel parameters, node tags, and a check that the image and kernel the
 * node deploys with are imported.
 *
 * MAAS applies kernel options through tags: the node gets a tag `<node>_kp` whose kernel_opts are
 * the design's parameters (Drydock's convention). The tag is created or updated in place only
 * when its options differ, and attached only when missing; a node without parameters loses it.
 * The node's design tags are created when missing and attached.
 */
export function kernelParamString(params: Record<string, string | true>): string {
  return Object.entries(params)
    .map(([key, value]) => (value === true ? key : `${key}=${value}`))
    .join(' ');
}

export function kernelParamTag(node: NodeModel): string {
  return `${node.name}_kp`;
}

const TAG_NAME = /^[\w-]+$/;

function tagPath(name: string): string {
  return `tags/${encodeURIComponent(name)}/`;
}

export async function applyNodePlatform(session: MaasSession, node: NodeModel, _site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const machine = await requireMachine(session, node);
  const id = machine.system_id;
  if (checkEditable(node, machine, EDITABLE_NETWORK_STATES, 'platform settings') === 'deployed') {
    return { changed: false, message: `node ${node.name}: MAAS machine ${id} is ${machine.status_name}; its platform was set at deployment (DestroyNode first to change it)` };
  }
  for (const tag of [kernelParamTag(node), ...node.tags]) {
    if (!TAG_NAME.test(tag)) throw nodeError(node, 'InvalidRequest', `tag "${tag}" is not a valid MAAS tag name (letters, digits, _ and - only)`);
  }

  // The image and kernel must be available before deployment asks for them.
  const series = distroSeries(node.platform.image);
  if (series) {
    const resources = await client.get<MaasBootResource[]>('boot-resources/', undefined, ctx.signal);
    const images = resources.filter((r) => r.name === `ubuntu/${series}` || r.name.endsWith(`/${series}`));
    if (images.length === 0) {
      throw nodeError(node, 'NotFound', `image ${node.platform.image} is not imported in MAAS (boot resource ubuntu/${series}); run CreateBootMedia`, { image: node.platform.image ?? null });
    }
    const kernel = node.platform.kernel;
    if (kernel && !images.some((r) => r.architecture.endsWith(`/${kernel}`))) {
      throw nodeError(
        node,
        'NotFound',
        `kernel ${kernel} is not available for ${series} in MAAS (it has ${images.map((r) => r.architecture.split('/')[1]).join(', ')}); run CreateBootMedia or change the host profile's kernel`,
        { kernel },
      );
    }
  }

  const log = new ChangeLog(ctx);
  const tags = await client.get<MaasTag[]>('tags/', undefined, ctx.signal);
  const attached = new Set(machine.tag_names);

  const kpTag = kernelParamTag(node);
  const opts = kernelParamString(node.platform.kernelParams);
  const existingKp = tags.find((t) => t.name === kpTag);
  if (opts) {
    // A create may lose a race to the request of an interrupted attempt, still in MAAS's hands
    // when this one read the tags: then the tag found is checked as an existing one.
    const made = existingKp ? undefined : await createTag(client, kpTag, ctx.signal, { kernel_opts: opts, comment: `drydock: kernel parameters of node ${node.name}` });
    const current = made && !made.created ? made.object : existingKp;
    if (made?.created) {
      log.add(`created tag ${kpTag} with kernel options "${opts}"`);
    } else if (current && current.kernel_opts !== opts) {
      await client.put<MaasTag>(tagPath(kpTag), { kernel_opts: opts }, ctx.signal);
      log.add(`updated the kernel options of tag ${kpTag} to "${opts}"`);
    }
    if (!attached.has(kpTag)) {
      await client.post(tagPath(kpTag), 'update_nodes', { add: id }, ctx.signal);
      log.add(`tagged the machine ${kpTag}`);
    }
  } else if (existingKp) {
    if (attached.has(kpTag)) await client.post(tagPath(kpTag), 'update_nodes', { remove: id }, ctx.signal);
    await client.delete(tagPath(kpTag), ctx.signal);
    log.add(`removed tag ${kpTag}: the design has no kernel parameters for the node`);
  }

  for (const tag of [...new Set(node.tags)].sort()) {
    const existing = tags.find((t) => t.name === tag);
    if (!existing) {
      // Nodes deploying in parallel share their tags: another one may create it first.
      if ((await createTag(client, tag, ctx.signal)).created) log.add(`created tag ${tag}`);
    } else if (existing.definition) {
      // MAAS owns the membership of tags with a definition: attaching by hand is refused.
      if (!attached.has(tag)) ctx.log(`node ${node.name}: tag ${tag} is defined by an XPath expression; MAAS decides whether the machine carries it`);
      continue;
    }
    if (!attached.has(tag)) {
      await client.post(tagPath(tag), 'update_nodes', { add: id }, ctx.signal);
      log.add(`tagged the machine ${tag}`);
    }
  }

  return {
    changed: log.changed,
    message: log.summary(`node ${node.name} platform (MAAS machine ${id})`, 'kernel parameters and tags already match the design'),
    details: { machine: id, changes: log.changes.length, kernelParams: opts || null },
  };
}

/**
 * Creates a tag (a plain one unless `fields` say otherwise), or finds it when MAAS says another
 * request created it meanwhile (a sibling node's ApplyNodePlatform, or the request of an
 * interrupted attempt): MAAS answers that with HTTP 400 "Tag with this Name already exists."
 */
function createTag(client: MaasSession['client'], tag: string, signal: AbortSignal, fields: Record<string, string> = { comment: 'drydock: node tag' }): Promise<{ object: MaasTag; created: boolean }> {
  return createOrFind(
    () => client.post<MaasTag>('tags/', undefined, { name: tag, ...fields }, signal),
    async () => (await client.get<MaasTag[]>('tags/', undefined, signal)).find((t) => t.name === tag),
  );
}
