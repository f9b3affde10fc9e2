import { ApiError, badRequest, djangoBool } from './http';
import { API, EmuModel } from './model';
import { Reply, Router } from './router';

/** Service-wide objects: version, account, settings, rack controllers, tags, SSH keys, package
 * repositories, boot sources, selections and resources (with a timed import). */
const TAG_NAME = /^[\w-]+$/;

export function addMiscRoutes(router: Router): void {
  router.get('version/', ({ model }) => ({
    capabilities: ['networks-management', 'static-ipaddresses', 'ipv6-deployment-ubuntu', 'devices-management', 'storage-deployment-ubuntu', 'network-deployment-ubuntu', 'authenticate-api'],
    version: model.config.maasVersion,
    subversion: 'drydock-temporal MAAS emulator',
  }));
  router.get('users/', ({ model }) => ({ username: model.state.credentials.username, email: 'admin@example.com', is_superuser: true, is_local: true, resource_uri: `${API}/users/admin/` }), 'whoami');
  router.get('account/', ({ model }) => [{ name: 'lab', token: model.state.credentials.tokenKey }], 'list_authorisation_tokens');

  router.get('maas/', ({ model, params }) => {
    const name = params.required('name');
    if (!(name in model.state.settings)) throw badRequest('name', `${name} is not a valid config setting (valid settings are: ${Object.keys(model.state.settings).sort().join(', ')}).`);
    return model.state.settings[name];
  }, 'get_config');
  router.post('maas/', ({ model, params }) => {
    const name = params.required('name');
    if (!(name in model.state.settings)) throw badRequest('name', `${name} is not a valid config setting (valid settings are: ${Object.keys(model.state.settings).sort().join(', ')}).`);
    const value = params.str('value') ?? '';
    const current = model.state.settings[name];
    if (typeof current === 'boolean') {
      // ConfigForm's BooleanField: CheckboxInput rules ("0" is true; only "false" and "" are false).
      model.state.settings[name] = djangoBool(value);
    } else if (name === 'default_storage_layout' && !['flat', 'lvm', 'bcache', 'blank', 'custom', 'vmfs6', 'vmfs7'].includes(value)) {
      throw badRequest('value', `Select a valid choice. ${value} is not one of the available choices.`);
    } else {
      model.state.settings[name] = value;
    }
    return new Reply(200, 'OK', true);
  }, 'set_config');

  router.get('rackcontrollers/', ({ model }) =>
    model.state.rackControllers.map((r) => ({ system_id: r.system_id, hostname: r.hostname, node_type: 2, node_type_name: 'Rack controller', service_set: [{ name: 'rackd', status: 'running', status_info: '' }], resource_uri: `${API}/rackcontrollers/${r.system_id}/` })),
  );

  // ---- tags
  const tag = (model: EmuModel, name: string) => {
    const t = model.state.tags.find((x) => x.name === name);
    if (!t) throw new ApiError(404, 'No Tag matches the given query.');
    return t;
  };
  router.get('tags/', ({ model }) => model.state.tags.map((t) => model.renderTag(t)));
  router.post('tags/', ({ model, params }) => {
    const name = params.required('name');
    if (!TAG_NAME.test(name)) throw badRequest('name', 'Invalid character in tag name.');
    if (model.state.tags.some((t) => t.name === name)) throw badRequest('name', 'Tag with this Name already exists.');
    const t = { name, definition: params.str('definition') ?? '', comment: params.str('comment') ?? '', kernel_opts: params.str('kernel_opts') ?? '', machines: [] as string[] };
    model.state.tags.push(t);
    return model.renderTag(t);
  });
  router.get('tags/{name}/', ({ model, match }) => model.renderTag(tag(model, match[0])));
  router.put('tags/{name}/', ({ model, match, params }) => {
    const t = tag(model, match[0]);
    if (params.has('name')) {
      const name = params.required('name');
      if (!TAG_NAME.test(name)) throw badRequest('name', 'Invalid character in tag name.');
      t.name = name;
    }
    if (params.has('comment')) t.comment = params.str('comment') ?? '';
    if (params.has('definition')) t.definition = params.str('definition') ?? '';
    if (params.has('kernel_opts')) t.kernel_opts = params.str('kernel_opts') ?? '';
    return model.renderTag(t);
  });
  router.delete('tags/{name}/', ({ model, match }) => {
    const t = tag(model, match[0]);
    model.state.tags = model.state.tags.filter((x) => x !== t);
    return new Reply(204, '');
  });
  router.get('tags/{name}/', ({ model, match }) => {
    const t = tag(model, match[0]);
    return model.state.machines.filter((m) => t.machines.includes(m.system_id)).map((m) => model.renderMachine(m));
  }, 'machines');
  router.post('tags/{name}/', ({ model, match, params }) => {
    const t = tag(model, match[0]);
    if (t.definition) throw new ApiError(409, `Tag ${t.name} has a definition: MAAS decides which machines carry it; nodes cannot be added or removed by hand.`);
    const add = params.fields.add ?? [];
    const remove = params.fields.remove ?? [];
    for (const id of [...add, ...remove]) if (!model.state.machines.some((m) => m.system_id === id)) throw badRequest('add', `Unknown node ${id}.`);
    let added = 0;
    let removed = 0;
    for (const id of add) {
      if (t.machines.includes(id)) continue;
      t.machines.push(id);
      added++;
    }
    for (const id of remove) {
      if (!t.machines.includes(id)) continue;
      t.machines = t.machines.filter((x) => x !== id);
      removed++;
    }
    return { added, removed };
  }, 'update_nodes');

  // ---- SSH keys
  router.get('account/prefs/sshkeys/', ({ model }) => model.state.sshkeys.map((k) => ({ ...k, keysource: null, resource_uri: `${API}/account/prefs/sshkeys/${k.id}/` })));
  router.post('account/prefs/sshkeys/', ({ model, params }) => {
    const key = params.required('key').trim();
    if (!/^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-\S+)\s+[A-Za-z0-9+/=]+(\s.*)?$/.test(key)) throw badRequest('key', 'Invalid SSH public key: Key type or encoding not recognised.');
    const identity = key.split(/\s+/).slice(0, 2).join(' ');
    if (model.state.sshkeys.some((k) => k.key.split(/\s+/).slice(0, 2).join(' ') === identity)) throw badRequest('__all__', 'This key has already been added for this user.');
    const k = { id: model.id(), key };
    model.state.sshkeys.push(k);
    return { ...k, keysource: null, resource_uri: `${API}/account/prefs/sshkeys/${k.id}/` };
  });
  router.get('account/prefs/sshkeys/{id}/', ({ model, match }) => {
    const k = model.state.sshkeys.find((x) => String(x.id) === match[0]);
    if (!k) throw new ApiError(404, 'No SSHKey matches the given query.');
    return { ...k, keysource: null };
  });
  router.delete('account/prefs/sshkeys/{id}/', ({ model, match }) => {
    model.state.sshkeys = model.state.sshkeys.filter((x) => String(x.id) !== match[0]);
    return new Reply(204, '');
  });

  // ---- package repositories
  type Repo = EmuModel['state']['packageRepositories'][number];
  const listField = (value: string | undefined) => (value ?? '').split(/[\s,]+/).filter(Boolean);
  const repoFields = (repo: Repo, params: import('./http').Params) => {
    if (params.has('name')) repo.name = params.required('name');
    if (params.has('url')) {
      const url = params.required('url');
      if (!/^(https?|ftp|file):\/\/\S+$/.test(url)) throw badRequest('url', 'Enter a valid URL.');
      repo.url = url;
    }
    for (const field of ['distributions', 'disabled_pockets', 'disabled_components', 'components', 'arches'] as const) if (params.has(field)) repo[field] = listField(params.str(field));
    if (params.has('key')) repo.key = params.str('key') ?? '';
    if (params.has('disable_sources')) repo.disable_sources = params.bool('disable_sources', true);
    if (params.has('enabled')) repo.enabled = params.bool('enabled', true);
    const badPocket = repo.disabled_pockets.find((p) => !['updates', 'security', 'backports', 'proposed'].includes(p));
    if (badPocket) throw badRequest('disabled_pockets', `'${badPocket}' is not a valid Pocket name.`);
  };
  const repoOut = (r: Repo) => ({ ...r, resource_uri: `${API}/package-repositories/${r.id}/` });
  const repo = (model: EmuModel, id: string) => {
    const r = model.state.packageRepositories.find((x) => String(x.id) === id);
    if (!r) throw new ApiError(404, 'No PackageRepository matches the given query.');
    return r;
  };
  router.get('package-repositories/', ({ model }) => model.state.packageRepositories.map(repoOut));
  router.post('package-repositories/', ({ model, params }) => {
    const name = params.required('name');
    params.required('url');
    if (model.state.packageRepositories.some((r) => r.name === name)) throw badRequest('name', 'Package repository with this Name already exists.');
    const r: Repo = { id: model.id(), name, url: '', distributions: [], disabled_pockets: [], disabled_components: [], disable_sources: true, components: [], arches: ['amd64'], key: '', enabled: true };
    repoFields(r, params);
    model.state.packageRepositories.push(r);
    return repoOut(r);
  });
  router.get('package-repositories/{id}/', ({ model, match }) => repoOut(repo(model, match[0])));
  router.put('package-repositories/{id}/', ({ model, match, params }) => {
    const r = repo(model, match[0]);
    repoFields(r, params);
    return repoOut(r);
  });
  router.delete('package-repositories/{id}/', ({ model, match }) => {
    const r = repo(model, match[0]);
    if (['main_archive', 'ports_archive'].includes(r.name)) throw badRequest('__all__', `${r.name} is a default archive and cannot be deleted.`);
    model.state.packageRepositories = model.state.packageRepositories.filter((x) => x !== r);
    return new Reply(204, '');
  });

  // ---- boot sources, selections and resources
  router.get('boot-sources/', ({ model }) => model.state.bootSources.map((s) => ({ ...s, resource_uri: `${API}/boot-sources/${s.id}/` })));
  const source = (model: EmuModel, id: string) => {
    const s = model.state.bootSources.find((x) => String(x.id) === id);
    if (!s) throw new ApiError(404, 'No BootSource matches the given query.');
    return s;
  };
  router.get('boot-sources/{id}/', ({ model, match }) => source(model, match[0]));
  const selectionOut = (s: EmuModel['state']['bootSelections'][number]) => ({ ...s, boot_source_id: s.boot_source_id, resource_uri: `${API}/boot-sources/${s.boot_source_id}/selections/${s.id}/` });
  router.get('boot-sources/{boot_source_id}/selections/', ({ model, match }) => {
    const s = source(model, match[0]);
    return model.state.bootSelections.filter((x) => x.boot_source_id === s.id).map(selectionOut);
  });
  router.post('boot-sources/{boot_source_id}/selections/', ({ model, match, params }) => {
    const s = source(model, match[0]);
    const os = params.str('os') ?? 'ubuntu';
    const release = params.required('release');
    if (model.state.bootSelections.some((x) => x.boot_source_id === s.id && x.os === os && x.release === release)) {
      throw badRequest('__all__', 'Boot source selection with this Boot source, Os and Release already exists.');
    }
    const selection = { id: model.id(), boot_source_id: s.id, os, release, arches: params.list('arches').length ? params.list('arches') : ['*'], subarches: params.list('subarches').length ? params.list('subarches') : ['*'], labels: params.list('labels').length ? params.list('labels') : ['*'] };
    model.state.bootSelections.push(selection);
    return selectionOut(selection);
  });
  router.delete('boot-sources/{boot_source_id}/selections/{id}/', ({ model, match }) => {
    model.state.bootSelections = model.state.bootSelections.filter((x) => !(String(x.boot_source_id) === match[0] && String(x.id) === match[1]));
    return new Reply(204, '');
  });
  router.get('boot-resources/', ({ model, params }) => {
    const type = params.str('type') ?? 'all';
    if (!['all', 'synced', 'uploaded', 'generated'].includes(type)) throw new ApiError(400, `'${type}' is not a valid boot resource type. Available types: ['synced', 'generated', 'uploaded']`);
    return model.state.bootResources
      .filter((r) => type === 'all' || r.type.toLowerCase() === type)
      .map((r) => ({ ...r, resource_uri: `${API}/boot-resources/${r.id}/` }));
  });
  router.get('boot-resources/{id}/', ({ model, match }) => {
    const r = model.state.bootResources.find((x) => String(x.id) === match[0]);
    if (!r) throw new ApiError(404, 'No BootResource matches the given query.');
    return { ...r, resource_uri: `${API}/boot-resources/${r.id}/`, sets: {} };
  });
  router.get('boot-resources/', ({ model }) => model.state.importing !== null, 'is_importing');
  router.post('boot-resources/', ({ model }) => {
    model.state.importing ??= { startedAt: Date.now() };
    return new Reply(200, 'Import of boot resources started', true);
  }, 'import');
  router.post('boot-resources/', ({ model }) => {
    model.state.importing = null;
    return new Reply(200, 'Import of boot resources is being stopped', true);
  }, 'stop_import');
}
