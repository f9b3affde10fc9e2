import type { NodeModel, RepositoryModel } from '../../../design/model';
import type { ActionOutcome, ServiceCheck } from '../../context';
import { DriverError } from '../../errors';
import type { SiteContext } from '../../../contracts/site-context';
import { distroSeries } from './lifecycle';
import { LifecycleProgress, progressSince } from './machines';
import { validateStorageDesign } from './storage-plan';
import { ChangeLog, MaasSession, pause } from './session';
import { createOrFind } from './site-network';
import { parseMaasVersion, requireSupported } from './versions';
import type { MaasBootResource, MaasBootSource, MaasBootSourceSelection, MaasPackageRepository, MaasRackController, MaasSshKey, MaasTag, MaasVersion } from './types';

/** ValidateNodeServices: MAAS answers, is a supported release (3.x), accepts the key, has
 * images and a rack controller. An unsupported release is refused before anything else. */
export async function validateNodeServices(session: MaasSession): Promise<ServiceCheck> {
  const { client, ctx } = session;
  const version = await client.get<MaasVersion>('version/', undefined, ctx.signal);
  requireSupported(parseMaasVersion(version.version), version.version, client.apiUrl);
  const whoami = await client.get<{ username: string; is_superuser: boolean }>('users/', { op: 'whoami' }, ctx.signal);
  const [importing, resources, racks] = await Promise.all([
    client.get<boolean>('boot-resources/', { op: 'is_importing' }, ctx.signal),
    client.get<MaasBootResource[]>('boot-resources/', undefined, ctx.signal),
    client.get<MaasRackController[]>('rackcontrollers/', undefined, ctx.signal),
  ]);
  const problems: string[] = [];
  if (!whoami.is_superuser) problems.push(`user ${whoami.username} is not a MAAS administrator`);
  if (importing) problems.push('MAAS is still importing boot images');
  if (resources.length === 0) problems.push('MAAS has no boot images');
  if (racks.length === 0) problems.push('MAAS has no rack controller');
  const base = `MAAS ${version.version} at ${client.apiUrl}, API key of user ${whoami.username} accepted`;
  return {
    ok: problems.length === 0,
    message: problems.length === 0 ? `${base}, ${resources.length} boot resources, ${racks.length} rack controller(s)` : `${base}, but ${problems.join('; ')}`,
    details: { version: version.version, user: whoami.username, bootResources: resources.length, rackControllers: racks.length, importing: importing === true },
  };
}

function keyIdentity(key: string): string {
  // type and base64 body; the comment does not make a different key
  return key.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** ConfigureUserCredentials: the region's authorized keys in the MAAS user's SSH keys, which
 * MAAS installs on every machine it deploys. Keys added by hand are kept. */
export async function configureUserCredentials(session: MaasSession, site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const log = new ChangeLog(ctx);
  for (const [index, key] of site.region.authorizedKeys.entries()) {
    if (!/^(ssh-|ecdsa-|sk-)\S+\s+\S+/.test(key.trim())) {
      throw new DriverError('maas', 'InvalidRequest', `Region ${site.region.name}: authorized_keys[${index}] is not an OpenSSH public key (it should look like "ssh-ed25519 AAAA... comment")`, {
        target: site.region.name,
      });
    }
  }
  const current = await client.get<MaasSshKey[]>('account/prefs/sshkeys/', undefined, ctx.signal);
  const have = new Set(current.map((k) => keyIdentity(k.key)));
  for (const key of site.region.authorizedKeys) {
    if (have.has(keyIdentity(key))) continue;
    await client.post<MaasSshKey>('account/prefs/sshkeys/', undefined, { key: key.trim() }, ctx.signal);
    have.add(keyIdentity(key));
    log.add(`added SSH key ${key.trim().split(/\s+/)[2] ?? keyIdentity(key).slice(0, 24)}`);
  }
  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} SSH keys (${site.region.authorizedKeys.length} designed)`, 'MAAS already has every designed key'),
    details: { changes: log.changes.length },
  };
}

/** MAAS's own archives: they cannot be deleted and list disabled components instead. */
const DEFAULT_REPOS = ['main_archive', 'ports_archive'];
const STANDARD_COMPONENTS = ['main', 'restricted', 'universe', 'multiverse'];
const STANDARD_POCKETS = ['updates', 'security', 'backports'];

function desiredRepo(repo: RepositoryModel): Record<string, string | string[]> {
  const desired: Record<string, string | string[]> = {
    name: repo.name,
    url: repo.url,
    distributions: repo.distributions,
    arches: repo.arches.length > 0 ? repo.arches : ['amd64'],
    key: repo.gpgkey ?? '',
    disabled_pockets: STANDARD_POCKETS.filter((p) => !repo.subrepos.includes(p)),
  };
  if (DEFAULT_REPOS.includes(repo.name)) {
    desired.disabled_components = repo.components.length > 0 ? STANDARD_COMPONENTS.filter((c) => !repo.components.includes(c)) : [];
  } else {
    desired.components = repo.components;
  }
  return desired;
}

function repoDiffers(current: MaasPackageRepository, desired: Record<string, string | string[]>): string[] {
  const norm = (v: unknown) => (Array.isArray(v) ? [...(v as string[])].sort().join(',') : typeof v === 'string' ? v.trim() : v === null || v === undefined ? '' : JSON.stringify(v));
  return Object.entries(desired)
    .filter(([field, value]) => norm((current as unknown as Record<string, unknown>)[field]) !== norm(value))
    .map(([field]) => field);
}

/** ConfigureNodeProvisioner: the region's package repositories as MAAS package repositories
 * (added, updated in place, and, with remove_unlisted, others removed except MAAS's archives). */
export async function configureNodeProvisioner(session: MaasSession, site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const log = new ChangeLog(ctx);
  const repos = Object.values(site.region.repositories.repos).sort((a, b) => a.name.localeCompare(b.name));
  for (const repo of repos) {
    if (repo.repoType !== 'apt') {
      throw new DriverError('maas', 'Unsupported', `Region ${site.region.name}: repository ${repo.name} is of type ${repo.repoType}; MAAS package repositories are apt repositories`, {
        target: repo.name,
      });
    }
  }
  const current = await client.get<MaasPackageRepository[]>('package-repositories/', undefined, ctx.signal);
  for (const repo of repos) {
    const desired = desiredRepo(repo);
    const fields = Object.fromEntries(Object.entries(desired).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const existing = current.find((r) => r.name === repo.name);
    if (!existing) {
      await client.post<MaasPackageRepository>('package-repositories/', undefined, fields, ctx.signal);
      log.add(`added package repository ${repo.name} (${repo.url})`);
      continue;
    }
    const differs = repoDiffers(existing, desired);
    if (differs.length > 0) {
      await client.put<MaasPackageRepository>(`package-repositories/${existing.id}/`, Object.fromEntries(differs.map((f) => [f, fields[f]])), ctx.signal);
      log.add(`updated package repository ${repo.name}: ${differs.join(', ')}`);
    }
  }
  if (site.region.repositories.removeUnlisted) {
    for (const repo of current) {
      if (DEFAULT_REPOS.includes(repo.name) || repos.some((r) => r.name === repo.name)) continue;
      await client.delete(`package-repositories/${repo.id}/`, ctx.signal);
      log.add(`removed package repository ${repo.name} (not in the design, remove_unlisted is set)`);
    }
  }
  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} package repositories (${repos.length} designed)`, 'MAAS already matches the design'),
    details: { changes: log.changes.length },
  };
}

async function ensureConfig(session: MaasSession, log: ChangeLog, name: string, value: string): Promise<void> {
  const current = await session.client.get<unknown>('maas/', { op: 'get_config', name }, session.ctx.signal);
  if (String(current) === value) return;
  await session.client.post('maas/', 'set_config', { name, value }, session.ctx.signal);
  log.add(`set MAAS setting ${name} to ${value}`);
}

/**
 * CreateStorageTemplate: MAAS has no site storage template, so this does the closest real things:
 * it checks every node's storage design (sizes, volume groups, mount points) before any machine
 * is touched, and sets MAAS's storage defaults to fit it: the default layout commissioning gives
 * new machines (lvm when most nodes put `/` on a logical volume, flat otherwise), and disk erasing
 * on release (quick erase), which DestroyNode also asks for explicitly.
 */
export async function createStorageTemplate(session: MaasSession, site: SiteContext, nodes: NodeModel[] = []): Promise<ActionOutcome> {
  for (const node of nodes) validateStorageDesign(node);
  const log = new ChangeLog(session.ctx);
  const onLv = nodes.filter((n) => n.storage.volumeGroups.some((vg) => vg.logicalVolumes.some((lv) => lv.filesystem?.mountpoint === '/'))).length;
  const layout = nodes.length > 0 && onLv * 2 > nodes.length ? 'lvm' : 'flat';
  await ensureConfig(session, log, 'default_storage_layout', layout);
  await ensureConfig(session, log, 'enable_disk_erasing_on_release', 'true');
  await ensureConfig(session, log, 'disk_erase_with_quick_erase', 'true');
  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} storage defaults (${nodes.length} node layouts checked)`, `MAAS already uses the ${layout} layout and erases disks on release`),
    details: { changes: log.changes.length, defaultLayout: layout, nodesChecked: nodes.length },
  };
}

/**
 * CreateBootMedia: the images (and kernels) the nodes deploy are selected in MAAS's boot source
 * and imported. Selections are added for missing releases, an import is started when something
 * is missing, and the step waits (heartbeating) until MAAS has the images.
 */
export async function createBootMedia(session: MaasSession, site: SiteContext, nodes: NodeModel[]): Promise<ActionOutcome> {
  const { client, ctx, options } = session;
  const log = new ChangeLog(ctx);
  const needed = new Map<string, Set<string>>();
  for (const node of nodes) {
    const series = distroSeries(node.platform.image);
    if (!series) continue;
    if (!/^[a-z][a-z0-9.-]*$/.test(series)) {
      throw new DriverError('maas', 'InvalidRequest', `node ${node.name}: image "${node.platform.image}" is not an Ubuntu release name such as jammy or ubuntu/jammy`, { target: node.name });
    }
    const kernels = needed.get(series) ?? new Set<string>();
    if (node.platform.kernel) kernels.add(node.platform.kernel);
    needed.set(series, kernels);
  }
  if (needed.size === 0) return { changed: false, message: `site ${site.name}: no node names an image; MAAS deploys its default image` };

  const missing = (resources: MaasBootResource[]) =>
    [...needed.entries()].flatMap(([series, kernels]) => {
      const images = resources.filter((r) => r.name === `ubuntu/${series}`);
      if (images.length === 0) return [`ubuntu/${series}`];
      return [...kernels].filter((k) => !images.some((r) => r.architecture.endsWith(`/${k}`))).map((k) => `ubuntu/${series} kernel ${k}`);
    });

  const sources = await client.get<MaasBootSource[]>('boot-sources/', undefined, ctx.signal);
  if (sources.length === 0) throw new DriverError('maas', 'NotFound', `MAAS at ${client.apiUrl} has no boot source to import images from`, { target: client.apiUrl });
  const source = sources[0];
  const selections = await client.get<MaasBootSourceSelection[]>(`boot-sources/${source.id}/selections/`, undefined, ctx.signal);
  for (const series of needed.keys()) {
    if (selections.some((s) => s.os === 'ubuntu' && s.release === series)) continue;
    await client.post(`boot-sources/${source.id}/selections/`, undefined, { os: 'ubuntu', release: series, arches: 'amd64', subarches: '*', labels: '*' }, ctx.signal);
    log.add(`selected ubuntu/${series} for import from ${source.url}`);
  }

  let resources = await client.get<MaasBootResource[]>('boot-resources/', undefined, ctx.signal);
  if (missing(resources).length > 0) {
    const progress = progressSince(session, 'importing');
    const importing = await client.get<boolean>('boot-resources/', { op: 'is_importing' }, ctx.signal);
    if (!importing) {
      await client.post('boot-resources/', 'import', {}, ctx.signal);
      log.add(`started importing ${missing(resources).join(', ')}`);
    }
    for (;;) {
      ctx.heartbeat({ phase: 'importing', since: progress.since, requested: true } satisfies LifecycleProgress);
      if (!(await client.get<boolean>('boot-resources/', { op: 'is_importing' }, ctx.signal))) break;
      if (Date.now() > progress.since + options.importTimeoutMs) {
        throw new DriverError('maas', 'Timeout', `MAAS at ${client.apiUrl} is still importing boot images after ${Math.round(options.importTimeoutMs / 60_000)} min`, { target: client.apiUrl });
      }
      await pause(options.pollIntervalMs, ctx.signal);
    }
    resources = await client.get<MaasBootResource[]>('boot-resources/', undefined, ctx.signal);
    const still = missing(resources);
    if (still.length > 0) {
      throw new DriverError('maas', 'NotFound', `MAAS at ${client.apiUrl} finished importing but still lacks ${still.join(', ')}; check that its boot source ${source.url} offers them`, {
        target: client.apiUrl,
      });
    }
    log.add(`imported ${[...needed.keys()].map((s) => `ubuntu/${s}`).join(', ')}`);
  }
  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} boot images (${[...needed.keys()].join(', ')})`, 'MAAS already has every image and kernel the nodes use'),
    details: { changes: log.changes.length, images: [...needed.keys()].join(',') },
  };
}

/** PrepareHardwareConfig: the region's tag definitions (lshw XPath) as MAAS tags, which MAAS
 * evaluates against each machine's commissioning data. */
export async function prepareHardwareConfig(session: MaasSession, site: SiteContext): Promise<ActionOutcome> {
  const { client, ctx } = session;
  const log = new ChangeLog(ctx);
  for (const def of site.region.tagDefinitions) {
    if (!/^[\w-]+$/.test(def.tag)) throw new DriverError('maas', 'InvalidRequest', `Region ${site.region.name}: tag definition "${def.tag}" is not a valid MAAS tag name`, { target: def.tag });
  }
  const tags = await client.get<MaasTag[]>('tags/', undefined, ctx.signal);
  for (const def of site.region.tagDefinitions) {
    let existing = tags.find((t) => t.name === def.tag);
    if (!existing) {
      // A create may lose a race (another run, or the request of an interrupted attempt still in
      // MAAS's hands when this one read the tags): then the tag found is checked as any other.
      const made = await createOrFind(
        () => client.post<MaasTag>('tags/', undefined, { name: def.tag, definition: def.definition, comment: `drydock: ${def.definitionType} tag of region ${site.region.name}` }, ctx.signal),
        async () => (await client.get<MaasTag[]>('tags/', undefined, ctx.signal)).find((t) => t.name === def.tag),
      );
      if (made.created) log.add(`created tag ${def.tag} (${def.definition})`);
      else existing = made.object;
    }
    if (existing && existing.definition !== def.definition) {
      await client.put<MaasTag>(`tags/${encodeURIComponent(def.tag)}/`, { definition: def.definition }, ctx.signal);
      log.add(`updated the definition of tag ${def.tag}`);
    }
  }
  return {
    changed: log.changed,
    message: log.summary(`site ${site.name} hardware tags (${site.region.tagDefinitions.length} definitions)`, 'MAAS already has every tag definition'),
    details: { changes: log.changes.length },
  };
}
