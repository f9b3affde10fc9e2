import type { NodeModel } from '../../../design/model';
import type { Secret } from '../../../secrets/secret';
import type { ActionContext, ActionOutcome, ServiceCheck } from '../../context';
import { DriverError } from '../../errors';
import type { NodeIdentity, NodeInterrogation } from '../../../contracts/driver-results';
import type { SiteContext } from '../../../contracts/site-context';
import type { CommissioningData, DeployOptions, NodeDriver } from '../interface';
import { lshwFromDetails } from './device-names';
import { findMachine } from './machines';
import { MaasClient } from './client';
import { configureHardware, deployNode, destroyNode, identifyNode, interrogateNode } from './lifecycle';
import { applyNodeNetworking } from './node-networking';
import { applyNodeStorage } from './node-storage';
import { MaasApiKeyFormatError, parseMaasApiKey } from './oauth';
import { applyNodePlatform } from './platform';
import { MaasDriverOptions, MaasSession, ResolvedMaasOptions, resolveOptions } from './session';
import { createNetworkTemplate } from './site-network';
import { configureNodeProvisioner, configureUserCredentials, createBootMedia, createStorageTemplate, prepareHardwareConfig, validateNodeServices } from './site-settings';

export interface MaasDriverConfig {
  apiUrl: string;
  apiKey: Secret;
  caBundle?: string;
}

/**
 * The MAAS node driver: Drydock's node actions against MAAS 3.x (its REST API 2.0; see
 * versions.ts for the supported releases and what differs between them). Each action lives in a
 * module of its own (site networks, node networking, storage, platform, lifecycle, site
 * settings); this class wires them to one signed HTTP client.
 */
export class MaasNodeDriver implements NodeDriver {
  readonly type = 'maas';
  private readonly client: MaasClient;
  private readonly options: ResolvedMaasOptions;

  constructor(config: MaasDriverConfig, options: MaasDriverOptions = {}) {
    if (!/^https?:\/\/[^/]+/.test(config.apiUrl)) {
      throw new DriverError('maas', 'InvalidRequest', `MAAS API URL "${config.apiUrl}" must be an http(s) URL such as http://maas.example.net:5240/MAAS`, { target: config.apiUrl });
    }
    let apiKey;
    try {
      apiKey = parseMaasApiKey(config.apiKey);
    } catch (err) {
      if (err instanceof MaasApiKeyFormatError) throw new DriverError('maas', 'InvalidRequest', err.message, { target: config.apiUrl });
      throw err;
    }
    this.client = new MaasClient({ apiUrl: config.apiUrl, apiKey, keyReference: config.apiKey.reference, caBundle: config.caBundle, ...options.http });
    this.options = resolveOptions(options);
  }

  private session(ctx: ActionContext): MaasSession {
    return { client: this.client, ctx, options: this.options };
  }

  validateNodeServices(ctx: ActionContext): Promise<ServiceCheck> {
    return validateNodeServices(this.session(ctx));
  }

  createNetworkTemplate(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return createNetworkTemplate(this.session(ctx), site);
  }

  configureUserCredentials(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return configureUserCredentials(this.session(ctx), site);
  }

  configureNodeProvisioner(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return configureNodeProvisioner(this.session(ctx), site);
  }

  createStorageTemplate(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome> {
    return createStorageTemplate(this.session(ctx), site, nodes);
  }

  createBootMedia(site: SiteContext, nodes: NodeModel[], ctx: ActionContext): Promise<ActionOutcome> {
    return createBootMedia(this.session(ctx), site, nodes);
  }

  prepareHardwareConfig(site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return prepareHardwareConfig(this.session(ctx), site);
  }

  identifyNode(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<NodeIdentity> {
    return identifyNode(this.session(ctx), node, site);
  }

  configureHardware(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return configureHardware(this.session(ctx), node);
  }

  interrogateNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<NodeInterrogation> {
    return interrogateNode(this.session(ctx), node);
  }

  async commissioningData(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<CommissioningData[]> {
    const session = this.session(ctx);
    const found = await findMachine(session, node);
    if (!found) return [];
    const xml = lshwFromDetails(await session.client.getBinary(`machines/${encodeURIComponent(found.machine.system_id)}/`, { op: 'details' }, ctx.signal));
    return xml.trim() ? [{ generator: 'lshw', dataFormat: 'application/xml', data: xml }] : [];
  }

  applyNodeNetworking(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return applyNodeNetworking(this.session(ctx), node, site);
  }

  applyNodeStorage(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return applyNodeStorage(this.session(ctx), node);
  }

  applyNodePlatform(node: NodeModel, site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return applyNodePlatform(this.session(ctx), node, site);
  }

  deployNode(node: NodeModel, site: SiteContext, ctx: ActionContext, deploy?: DeployOptions): Promise<ActionOutcome> {
    return deployNode(this.session(ctx), node, site, deploy);
  }

  destroyNode(node: NodeModel, _site: SiteContext, ctx: ActionContext): Promise<ActionOutcome> {
    return destroyNode(this.session(ctx), node);
  }
}
