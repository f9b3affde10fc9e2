import type { CompiledSite } from '../design/model';
import { CliExit, EXIT } from './exit-codes';

/**
 * The one place the CLI's troubleshooting commands load a site design from (a file or folder of
 * Drydock YAML documents) into the compiled site model. Placeholder until the design loader is
 * merged: it refuses with a bad-input exit, naming the reason.
 */
export async function loadSiteDesign(path: string): Promise<CompiledSite> {
  void path;
  throw new CliExit(EXIT.badInput, 'the design loader is not available in this build');
}
