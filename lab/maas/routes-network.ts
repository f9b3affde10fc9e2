import { canonicalCidr, toAddress, toNetwork } from './ip';
import { ApiError, badRequest, notFound } from './http';
import { API, inSubnet, normaliseIp, EmuModel, Subnet } from './model';
import { Reply, Router, RouteContext } from './router';

/** Site networking: fabrics, VLANs, subnets, IP ranges, static routes and DNS domains. */
export function addNetworkRoutes(router: Router): void {
  // ---- domains
  router.get('domains/', ({ model }) => model.state.domains.map((d) => model.renderDomain(d)));
  router.post('domains/', ({ model, params }) => {
    const name = params.required('name');
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(name)) throw badRequest('name', 'Invalid domain name.');
    if (model.state.domains.some((d) => d.name === name)) throw badRequest('name', 'Domain with this Name already exists.');
    const domain = { id: model.id(), name, authoritative: params.bool('authoritative', true), ttl: params.int('ttl') ?? null, is_default: false };
    model.state.domains.push(domain);
    return model.renderDomain(domain);
  });
  const domain = (model: EmuModel, id: string) => {
    const d = model.state.domains.find((x) => String(x.id) === id);
    if (!d) throw new ApiError(404, 'No Domain matches the given query.');
    return d;
  };
  router.get('domains/{id}/', ({ model, match }) => model.renderDomain(domain(model, match[0])));
  router.put('domains/{id}/', ({ model, match, params }) => {
    const d = domain(model, match[0]);
    if (params.has('name')) d.name = params.required('name');
    if (params.has('authoritative')) d.authoritative = params.bool('authoritative');
    if (params.has('ttl')) d.ttl = params.int('ttl') ?? null;
    return model.renderDomain(d);
  });
  router.delete('domains/{id}/', ({ model, match }) => {
    const d = domain(model, match[0]);
    if (d.is_default) throw new ApiError(400, 'This domain is the default domain, it cannot be deleted.');
    model.state.domains = model.state.domains.filter((x) => x !== d);
    return new Reply(204, '');
  });

  // ---- fabrics
  router.get('fabrics/', ({ model }) => model.state.fabrics.map((f) => model.renderFabric(f)));
  router.post('fabrics/', ({ model, params }) => {
    const id = Math.max(-1, ...model.state.fabrics.map((f) => f.id)) + 1;
    const name = params.str('name') || `fabric-${id}`;
    if (model.state.fabrics.some((f) => f.name === name)) throw badRequest('name', 'Fabric with this Name already exists.');
    const fabric = { id, name, description: params.str('description') ?? '', class_type: params.str('class_type') ?? null };
    model.state.fabrics.push(fabric);
    model.state.vlans.push({ id: model.id(), fabric_id: id, vid: 0, name: 'untagged', mtu: 1500, description: '', dhcp_on: false, primary_rack: null, secondary_rack: null, relay_vlan: null });
    return model.renderFabric(fabric);
  });
  router.get('fabrics/{id}/', ({ model, match }) => model.renderFabric(model.fabric(match[0])));
  router.put('fabrics/{id}/', ({ model, match, params }) => {
    const fabric = model.fabric(match[0]);
    if (params.has('name')) {
      const name = params.required('name');
      if (model.state.fabrics.some((f) => f.name === name && f !== fabric)) throw badRequest('name', 'Fabric with this Name already exists.');
      fabric.name = name;
    }
    if (params.has('description')) fabric.description = params.str('description') ?? '';
    if (params.has('class_type')) fabric.class_type = params.str('class_type') || null;
    return model.renderFabric(fabric);
  });
  router.delete('fabrics/{id}/', ({ model, match }) => {
    const fabric = model.fabric(match[0]);
    if (fabric.id === 0) throw new ApiError(400, "Can't delete fabric; it is the default fabric.");
    const vlanIds = new Set(model.state.vlans.filter((v) => v.fabric_id === fabric.id).map((v) => v.id));
    if (model.state.subnets.some((s) => vlanIds.has(s.vlan_id))) throw new ApiError(400, "Can't delete fabric; subnets are still attached to its VLANs.");
    model.state.fabrics = model.state.fabrics.filter((f) => f !== fabric);
    model.state.vlans = model.state.vlans.filter((v) => !vlanIds.has(v.id));
    return new Reply(204, '');
  });

  // ---- VLANs
  router.get('fabrics/{fabric_id}/vlans/', ({ model, match }) => {
    const fabric = model.fabric(match[0]);
    return model.state.vlans.filter((v) => v.fabric_id === fabric.id).map((v) => model.renderVlan(v));
  });
  router.post('fabrics/{fabric_id}/vlans/', ({ model, match, params }) => {
    const fabric = model.fabric(match[0]);
    const vid = params.requiredInt('vid');
    if (vid < 0 || vid > 4094) throw badRequest('vid', 'VID must be between 0 and 4094.');
    if (model.state.vlans.some((v) => v.fabric_id === fabric.id && v.vid === vid)) throw badRequest('__all__', 'VLAN with this Fabric and Vid already exists.');
    const vlan = {
      id: model.id(),
      fabric_id: fabric.id,
      vid,
      name: params.str('name') || null,
      mtu: params.int('mtu') ?? 1500,
      description: params.str('description') ?? '',
      dhcp_on: false,
      primary_rack: null,
      secondary_rack: null,
      relay_vlan: null,
    };
    model.state.vlans.push(vlan);
    return model.renderVlan(vlan);
  });
  const vlanOf = ({ model, match }: RouteContext) => model.vlanByVid(model.fabric(match[0]).id, match[1]);
  router.get('fabrics/{fabric_id}/vlans/{vid}/', (ctx) => ctx.model.renderVlan(vlanOf(ctx)));
  // Read-only objects real clients walk (python-libmaas, `maas <profile> zones read`): one zone,
  // one resource pool (MAAS creates both at install: src/maasserver/models/zone.py,
  // resourcepool.py) and the "undefined" space of VLANs without one (api/spaces.py).
  const zone = { id: 1, name: 'default', description: '', resource_uri: `${API}/zones/default/` };
  const pool = { id: 0, name: 'default', description: 'Default pool', resource_uri: `${API}/resourcepool/0/` };
  router.get('zones/', () => [zone]);
  router.get('zones/{name}/', ({ match }) => {
    if (match[0] !== zone.name) throw notFound('Zone');
    return zone;
  });
  router.get('resourcepools/', () => [pool]);
  router.get('resourcepool/{id}/', ({ match }) => {
    if (match[0] !== String(pool.id)) throw notFound('ResourcePool');
    return pool;
  });
  const undefinedSpace = (model: RouteContext['model']) => ({
    id: -1,
    name: 'undefined',
    description: '',
    vlans: model.state.vlans.map((v) => model.renderVlan(v)),
    subnets: model.state.subnets.map((s) => model.renderSubnet(s)),
    resource_uri: `${API}/spaces/undefined/`,
  });
  router.get('spaces/', ({ model }) => [undefinedSpace(model)]);
  router.get('spaces/{id}/', ({ model, match }) => {
    if (match[0] !== 'undefined' && match[0] !== '-1') throw notFound('Space');
    return undefinedSpace(model);
  });
  router.get('vlans/{id}/', ({ model, match }) => model.renderVlan(model.vlan(match[0])));
  router.put('fabrics/{fabric_id}/vlans/{vid}/', (ctx) => {
    const { model, params } = ctx;
    const vlan = vlanOf(ctx);
    if (params.has('name')) vlan.name = params.str('name') || null;
    if (params.has('description')) vlan.description = params.str('description') ?? '';
    if (params.has('mtu')) {
      const mtu = params.requiredInt('mtu');
      if (mtu < 552 || mtu > 65535) throw badRequest('mtu', 'Ensure this value is between 552 and 65535.');
      vlan.mtu = mtu;
    }
    if (params.has('primary_rack')) {
      const rack = params.str('primary_rack') || null;
      if (rack && !model.state.rackControllers.some((r) => r.system_id === rack || r.hostname === rack)) throw badRequest('primary_rack', 'Select a valid choice. That choice is not one of the available choices.');
      vlan.primary_rack = rack ? model.state.rackControllers.find((r) => r.system_id === rack || r.hostname === rack)!.system_id : null;
    }
    if (params.has('secondary_rack')) vlan.secondary_rack = params.str('secondary_rack') || null;
    if (params.has('relay_vlan')) vlan.relay_vlan = params.int('relay_vlan') ?? null;
    if (params.has('dhcp_on')) {
      const on = params.bool('dhcp_on');
      if (on) {
        if (!vlan.primary_rack) throw badRequest('dhcp_on', 'dhcp can only be turned on when a primary rack controller is set.');
        const subnets = model.state.subnets.filter((s) => s.vlan_id === vlan.id).map((s) => s.id);
        if (!model.state.ipranges.some((r) => r.type === 'dynamic' && subnets.includes(r.subnet_id))) {
          throw badRequest('dhcp_on', 'dhcp can only be turned on when a dynamic IP range is defined.');
        }
      }
      vlan.dhcp_on = on;
    }
    return model.renderVlan(vlan);
  });
  router.delete('fabrics/{fabric_id}/vlans/{vid}/', (ctx) => {
    const vlan = vlanOf(ctx);
    if (vlan.vid === 0) throw new ApiError(400, 'The default VLAN of a fabric cannot be deleted.');
    ctx.model.state.vlans = ctx.model.state.vlans.filter((v) => v !== vlan);
    ctx.model.state.subnets = ctx.model.state.subnets.filter((s) => s.vlan_id !== vlan.id);
    return new Reply(204, '');
  });

  // ---- subnets
  router.get('subnets/', ({ model }) => model.state.subnets.map((s) => model.renderSubnet(s)));
  const subnetFields = (model: EmuModel, ctx: RouteContext, subnet: Subnet) => {
    const { params } = ctx;
    if (params.has('name')) subnet.name = params.str('name') || subnet.cidr;
    if (params.has('description')) subnet.description = params.str('description') ?? '';
    if (params.has('vlan')) subnet.vlan_id = model.vlan(params.required('vlan')).id;
    else if (params.has('fabric') || params.has('vid')) {
      const fabric = model.fabric(params.str('fabric') ?? '0');
      subnet.vlan_id = model.vlanByVid(fabric.id, params.int('vid') ?? 0).id;
    }
    if (params.has('gateway_ip')) {
      const gateway = params.str('gateway_ip') || null;
      if (gateway && (!toAddress(gateway) || !inSubnet(subnet, gateway))) throw badRequest('gateway_ip', 'Gateway IP must be within CIDR range.');
      subnet.gateway_ip = gateway;
    }
    if (params.has('dns_servers')) subnet.dns_servers = (params.fields.dns_servers ?? []).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
    if (params.has('managed')) subnet.managed = params.bool('managed', true);
  };
  router.post('subnets/', (ctx) => {
    const { model, params } = ctx;
    const raw = params.required('cidr');
    if (!toNetwork(raw)) throw badRequest('cidr', 'Required format: <network>/<prefixlen>.');
    const cidr = canonicalCidr(raw);
    if (model.state.subnets.some((s) => s.cidr === cidr)) throw badRequest('cidr', 'Subnet with this Cidr already exists.');
    const subnet: Subnet = { id: model.id(), name: cidr, cidr, vlan_id: model.state.vlans.find((v) => v.fabric_id === 0 && v.vid === 0)!.id, gateway_ip: null, dns_servers: [], managed: true, description: '' };
    subnetFields(model, ctx, subnet);
    model.state.subnets.push(subnet);
    return model.renderSubnet(subnet);
  });
  router.get('subnets/{id}/', ({ model, match }) => model.renderSubnet(model.subnet(match[0])));
  router.put('subnets/{id}/', (ctx) => {
    const subnet = ctx.model.subnet(ctx.match[0]);
    subnetFields(ctx.model, ctx, subnet);
    return ctx.model.renderSubnet(subnet);
  });
  router.delete('subnets/{id}/', ({ model, match }) => {
    const subnet = model.subnet(match[0]);
    model.state.subnets = model.state.subnets.filter((s) => s !== subnet);
    model.state.ipranges = model.state.ipranges.filter((r) => r.subnet_id !== subnet.id);
    model.state.staticRoutes = model.state.staticRoutes.filter((r) => r.source_id !== subnet.id && r.destination_id !== subnet.id);
    for (const m of model.state.machines) for (const i of m.interfaces) i.links = i.links.filter((l) => l.subnet_id !== subnet.id);
    return new Reply(204, '');
  });

  // ---- IP ranges
  router.get('ipranges/', ({ model }) => model.state.ipranges.map((r) => model.renderIpRange(r)));
  const checkRange = (model: EmuModel, subnet: Subnet, type: string, start: string, end: string, self?: number) => {
    const a = toAddress(start);
    const b = toAddress(end);
    if (!a) throw badRequest('start_ip', 'Enter a valid IPv4 or IPv6 address.');
    if (!b) throw badRequest('end_ip', 'Enter a valid IPv4 or IPv6 address.');
    if (!inSubnet(subnet, start) || !inSubnet(subnet, end)) throw badRequest('__all__', `Range must be within the subnet ${subnet.cidr}.`);
    if (a.n > b.n) throw badRequest('__all__', 'End IP address must not be less than Start IP address.');
    for (const r of model.state.ipranges.filter((x) => x.subnet_id === subnet.id && x.id !== self)) {
      if (a.n <= toAddress(r.end_ip)!.n && b.n >= toAddress(r.start_ip)!.n) {
        throw badRequest('__all__', `Requested ${type} range conflicts with an existing ${r.type} range.`);
      }
    }
  };
  router.post('ipranges/', ({ model, params }) => {
    const type = params.required('type');
    if (type !== 'dynamic' && type !== 'reserved') throw badRequest('type', `Select a valid choice. ${type} is not one of the available choices.`);
    const start = normaliseIp(params.required('start_ip'));
    const end = normaliseIp(params.required('end_ip'));
    const subnet = params.has('subnet') ? model.subnetOrInvalid('subnet', params.required('subnet')) : model.state.subnets.find((s) => inSubnet(s, start));
    if (!subnet) throw badRequest('subnet', 'This field is required.');
    checkRange(model, subnet, type, start, end);
    const range = { id: model.id(), subnet_id: subnet.id, type: type === 'dynamic' ? ('dynamic' as const) : ('reserved' as const), start_ip: start, end_ip: end, comment: params.str('comment') ?? '' };
    model.state.ipranges.push(range);
    return model.renderIpRange(range);
  });
  const range = (model: EmuModel, id: string) => {
    const r = model.state.ipranges.find((x) => String(x.id) === id);
    if (!r) throw new ApiError(404, 'No IPRange matches the given query.');
    return r;
  };
  router.get('ipranges/{id}/', ({ model, match }) => model.renderIpRange(range(model, match[0])));
  router.put('ipranges/{id}/', ({ model, match, params }) => {
    const r = range(model, match[0]);
    const start = params.has('start_ip') ? normaliseIp(params.required('start_ip')) : r.start_ip;
    const end = params.has('end_ip') ? normaliseIp(params.required('end_ip')) : r.end_ip;
    checkRange(model, model.subnet(r.subnet_id), r.type, start, end, r.id);
    Object.assign(r, { start_ip: start, end_ip: end });
    if (params.has('comment')) r.comment = params.str('comment') ?? '';
    return model.renderIpRange(r);
  });
  router.delete('ipranges/{id}/', ({ model, match }) => {
    const r = range(model, match[0]);
    model.state.ipranges = model.state.ipranges.filter((x) => x !== r);
    return new Reply(204, '');
  });

  // ---- static routes
  router.get('static-routes/', ({ model }) => model.state.staticRoutes.map((r) => model.renderStaticRoute(r)));
  router.post('static-routes/', ({ model, params }) => {
    const source = model.subnetOrInvalid('source', params.required('source'));
    const destination = model.subnetOrInvalid('destination', params.required('destination'));
    const gateway = normaliseIp(params.required('gateway_ip'));
    if (!inSubnet(source, gateway)) throw badRequest('gateway_ip', `Gateway IP must be within the source subnet ${source.cidr}.`);
    if (source.id === destination.id) throw badRequest('__all__', 'source and destination cannot be the same subnet.');
    if (model.state.staticRoutes.some((r) => r.source_id === source.id && r.destination_id === destination.id && r.gateway_ip === gateway)) {
      throw badRequest('__all__', 'Static route with this Source, Destination and Gateway ip already exists.');
    }
    const route = { id: model.id(), source_id: source.id, destination_id: destination.id, gateway_ip: gateway, metric: params.int('metric') ?? 0 };
    model.state.staticRoutes.push(route);
    return model.renderStaticRoute(route);
  });
  const staticRoute = (model: EmuModel, id: string) => {
    const r = model.state.staticRoutes.find((x) => String(x.id) === id);
    if (!r) throw new ApiError(404, 'No StaticRoute matches the given query.');
    return r;
  };
  router.get('static-routes/{id}/', ({ model, match }) => model.renderStaticRoute(staticRoute(model, match[0])));
  router.put('static-routes/{id}/', ({ model, match, params }) => {
    const r = staticRoute(model, match[0]);
    if (params.has('source')) r.source_id = model.subnetOrInvalid('source', params.required('source')).id;
    if (params.has('destination')) r.destination_id = model.subnetOrInvalid('destination', params.required('destination')).id;
    if (params.has('gateway_ip')) {
      const gateway = normaliseIp(params.required('gateway_ip'));
      if (!inSubnet(model.subnet(r.source_id), gateway)) throw badRequest('gateway_ip', 'Gateway IP must be within the source subnet.');
      r.gateway_ip = gateway;
    }
    if (params.has('metric')) r.metric = params.requiredInt('metric');
    return model.renderStaticRoute(r);
  });
  router.delete('static-routes/{id}/', ({ model, match }) => {
    const r = staticRoute(model, match[0]);
    model.state.staticRoutes = model.state.staticRoutes.filter((x) => x !== r);
    return new Reply(204, '');
  });
}
