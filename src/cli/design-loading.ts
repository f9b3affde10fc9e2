import type { CompiledSite } from '../design/model';
import { CliExit, EXIT } from './exit-codes';

/**
 * Reads, validates and compiles the site design at `paths` (files or folders of Drydock YAML
 * documents) for the troubleshooting commands. Every command that needs a design goes through
 * this one function.
 *
 * This build has no design loader yet: the command stops with a clear message.
 */
export async function loadCompiledSite(paths: string[]): Promise<CompiledSite> {
  void paths;
  throw new CliExit(EXIT.badInput, 'the design loader is not available in this build');
}
