import type { CompiledSite } from '../design/model';
import { CliExit, EXIT } from './exit-codes';

/**
 * The one place CLI commands load a site design from. A placeholder in this build: the design
 * loader (src/design) is wired in here when it is merged; until then `drydock oob` takes a node
 * model with --node-json.
 */
export async function loadCompiledSite(designPath: string): Promise<CompiledSite> {
  void designPath;
  throw new CliExit(EXIT.badInput, 'the design loader is not available in this build');
}
