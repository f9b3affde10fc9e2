import { Command } from 'commander';
import { formatFindings, processDesign } from '../../design';
import type { Finding } from '../../design';
import { collect, readDesignOrExit } from '../design-input';
import { CliExit, EXIT } from '../exit-codes';

interface ValidateFlags {
  json?: boolean;
  quiet?: boolean;
  image: string[];
  kernel: string[];
}

const EXAMPLES = `
Each finding is one line, grouped by document:
  severity code Kind/name field.path: message (file:line:column)

Exit status: 0 no errors (warnings allowed), 1 the design has errors,
2 a file cannot be read or is not valid YAML.

Examples:
  drydock validate site/                     every *.yaml and *.yml below site/
  drydock validate networks.yaml nodes.yaml  several files make one design
  deckhand render ... | drydock validate -   read the documents from standard input
  drydock validate site/ --image xenial --kernel ga-16.04,hwe-16.04
                                             also check each node's image and kernel
  drydock validate site/ --json | jq '.findings[] | select(.severity == "error")'

The rules and their codes: docs/validation-rules.md.`;

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .summary('check a site design')
    .description('Loads Airship Drydock site design documents (Deckhand or legacy format), compiles them and checks them against every validation rule.')
    .argument('<path...>', 'design files or folders, or - for standard input')
    .option('--json', 'print the findings as JSON')
    .option('-q, --quiet', 'leave out info findings')
    .option('--image <name>', 'an image the node bootstrapper offers (repeatable, or comma-separated); enables platform-selection', collect, [])
    .option('--kernel <name>', 'a kernel the node bootstrapper offers (repeatable, or comma-separated)', collect, [])
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: ValidateFlags) => {
      const sources = await readDesignOrExit(paths);
      const availableImages = flags.image.length > 0 || flags.kernel.length > 0 ? { images: flags.image, kernels: flags.kernel } : undefined;
      const result = processDesign(sources, { availableImages });
      const shown = flags.quiet ? result.findings.filter((f) => f.severity !== 'info') : result.findings;
      const counts = count(result.findings);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ok: result.ok, site: result.site?.name, counts, findings: shown }, null, 2)}\n`);
      } else {
        const lines = formatFindings(shown);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
        process.stdout.write(`${summary(counts, sources.length, result.site?.name)}\n`);
      }
      if (result.parseFailed) {
        const first = result.findings.find((f) => f.code === 'yaml-syntax');
        const where = first?.source ? `${first.source.file}:${first.source.line}:${first.source.column}` : 'the input';
        throw new CliExit(EXIT.badInput, `cannot parse the design: ${where}: ${first?.message ?? 'not valid YAML'}`);
      }
      if (!result.ok) throw new CliExit(EXIT.failure, `the design has ${counts.errors} error${counts.errors === 1 ? '' : 's'}`);
    });
}

function count(findings: readonly Finding[]): { errors: number; warnings: number; info: number } {
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    info: findings.filter((f) => f.severity === 'info').length,
  };
}

function summary(c: { errors: number; warnings: number; info: number }, files: number, site?: string): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${site ? `site ${site}: ` : ''}${plural(c.errors, 'error')}, ${plural(c.warnings, 'warning')}, ${c.info} info (${plural(files, 'source')})`;
}
