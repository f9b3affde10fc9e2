import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import axios from 'axios';
import type { DesignRef, Finding } from '../src/contracts/deployment';
import { WORKFLOW_FAILURES } from '../src/contracts/deployment';
import { SEARCH_ATTRIBUTES } from '../src/contracts/search-attributes';
import { packSelectedNodes } from '../src/contracts/selected-nodes';
import { formatFindings, processDesign, selectNodes } from '../src/design';
import { designHash } from '../src/design/hash';
import type { DesignSource } from '../src/design/load';
import type { CompiledSite, NodeModel } from '../src/design/model';
import { DesignReadError, readDesignSources } from '../src/design/read-files';
import type { LoadedDesign, LoadSiteDesignInput, NodeHolder, NodesRef } from '../src/contracts/activities';
import type { SiteContext } from '../src/contracts/site-context';

/** Findings returned with a loaded design; more would bloat workflow history. */
const MAX_FINDINGS = 200;
/** Compiled designs kept per worker, by content hash. */
const CACHE_SIZE = 8;

export interface DesignActivityDeps {
  /** For describeNodeHolder; optional so tests can leave it out. */
  client?: Client;
  cache?: DesignCache;
}

function fail(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

async function readSources(design: DesignRef): Promise<DesignSource[]> {
  switch (design.type) {
    case 'inline':
      return design.sources;
    case 'path':
      try {
        return await readDesignSources(design.paths);
      } catch (err) {
        if (err instanceof DesignReadError) throw fail(WORKFLOW_FAILURES.designUnreadable, `the worker cannot read the design: ${err.message}`);
        throw err;
      }
    case 'url': {
      // Network failures are retryable (thrown as they are); an answer that is not a design is not.
      const response = await axios.get<string>(design.url, { responseType: 'text', timeout: 30_000, validateStatus: () => true });
      if (response.status >= 500) throw new Error(`the design server answered ${response.status} for ${design.url}`);
      if (response.status !== 200) throw fail(WORKFLOW_FAILURES.designUnreadable, `the design server answered ${response.status} for ${design.url}`);
      return [{ name: design.url, text: response.data }];
    }
  }
}

export function siteContextOf(site: CompiledSite): SiteContext {
  const { nodes: _nodes, ...rest } = site;
  return rest;
}

/** Compiled designs of this worker, by content hash, shared by the activities that need node
 * models (the design activities, and the node activities' site-level steps). */
export class DesignCache {
  private readonly entries = new Map<string, { site: CompiledSite; findings: Finding[] }>();

  /** Loads, compiles and validates; caches the compiled site by content hash. */
  async compile(design: DesignRef): Promise<{ site: CompiledSite; hash: string; findings: Finding[] }> {
    const sources = await readSources(design);
    const hash = designHash(sources);
    if (design.type !== 'inline' && design.sha256 && design.sha256 !== hash) {
      throw fail(WORKFLOW_FAILURES.designChanged, `the design's content changed since it was validated: expected ${design.sha256}, the worker reads ${hash}`);
    }
    const cached = this.entries.get(hash);
    if (cached) return { ...cached, hash };
    const result = processDesign(sources);
    if (!result.ok || !result.site) {
      const errors = result.findings.filter((f) => f.severity === 'error');
      throw fail(
        WORKFLOW_FAILURES.designInvalid,
        `the design has ${errors.length} error(s); nothing was done:\n${formatFindings(errors.slice(0, 20)).join('\n')}${errors.length > 20 ? `\n... and ${errors.length - 20} more (run drydock validate)` : ''}`,
        errors.slice(0, MAX_FINDINGS),
      );
    }
    const entry = { site: result.site, findings: result.findings.filter((f) => f.severity !== 'error') as Finding[] };
    this.entries.set(hash, entry);
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value as string);
    return { ...entry, hash };
  }

  /** The models of the named nodes of the design with this hash. */
  async nodes(ref: NodesRef): Promise<NodeModel[]> {
    let site = this.entries.get(ref.designHash)?.site;
    if (!site) {
      const compiled = await this.compile(ref.design);
      if (compiled.hash !== ref.designHash) {
        throw fail(WORKFLOW_FAILURES.designChanged, `the design's content changed during the run: expected ${ref.designHash}, the worker reads ${compiled.hash}`);
      }
      site = compiled.site;
    }
    const byName = new Map(site.nodes.map((n) => [n.name, n]));
    return ref.names.map((name) => {
      const node = byName.get(name);
      if (!node) throw fail(WORKFLOW_FAILURES.unknownNode, `the design ${ref.designHash} has no node "${name}"`);
      return node;
    });
  }
}

export function createDesignActivities(deps: DesignActivityDeps = {}) {
  const cache = deps.cache ?? new DesignCache();
  const compile = (design: DesignRef) => cache.compile(design);

  return {
    async loadSiteDesign(input: LoadSiteDesignInput): Promise<LoadedDesign> {
      const { site, hash, findings } = await compile(input.design);
      const wanted = input.filter?.filterSet.flatMap((f) => f.nodeNames ?? []) ?? [];
      const known = new Set(site.nodes.map((n) => n.name));
      const unknown = wanted.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw fail(WORKFLOW_FAILURES.unknownNode, `the design has no node ${unknown.map((n) => `"${n}"`).join(', ')}; its nodes are: ${[...known].join(', ') || '(none)'}`);
      }
      const selected = input.needNodes ? selectNodes(site, input.filter) : [];
      if (input.needNodes && selected.length === 0) {
        throw fail(WORKFLOW_FAILURES.noNodesSelected, `the node filter selects no node of site ${site.name} (${site.nodes.length} node(s) in the design): nothing to do for ${input.action}`);
      }
      return {
        siteName: site.name,
        designHash: hash,
        site: siteContextOf(site),
        selected: packSelectedNodes(selected),
        findings: findings.slice(0, MAX_FINDINGS),
      };
    },

    async getNodeModels(input: NodesRef): Promise<NodeModel[]> {
      return cache.nodes(input);
    },

    async describeNodeHolder(input: { workflowId: string }): Promise<NodeHolder | undefined> {
      if (!deps.client) return { workflowId: input.workflowId };
      try {
        const d = await deps.client.workflow.getHandle(input.workflowId).describe();
        return {
          workflowId: input.workflowId,
          parentWorkflowId: d.parentExecution?.workflowId ?? undefined,
          action: d.typedSearchAttributes.get(SEARCH_ATTRIBUTES.DrydockAction),
          startedAt: d.startTime.toISOString(),
        };
      } catch {
        return undefined;
      }
    },
  };
}
