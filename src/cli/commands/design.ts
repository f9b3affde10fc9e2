import { Command } from 'commander';
import { stringify } from 'yaml';
import { compileDesign, formatFinding, loadDesign, suggestName, validateDesign } from '../../design';
import type { CompileResult, Finding } from '../../design';
import { readDesignOrExit } from '../design-input';
import { CliExit, EXIT } from '../exit-codes';

interface ShowFlags {
  node?: string;
  json?: boolean;
}

const EXAMPLES = `
Prints the effective model: host profiles inherited, '!' removals applied, device aliases,
kernel-parameter references and route domains resolved, boot-action targets computed.
Errors in the design are listed on standard error and make the exit status 1.

Examples:
  drydock design show site/                       the whole compiled site, as YAML
  drydock design show site/ --node compute01      one node
  drydock design show site/ --node compute01 --json | jq .storage`;

export function registerDesignCommand(program: Command): void {
  const design = program.command('design').summary('inspect a site design').description('Commands that inspect a site design without touching hardware.');
  design
    .command('show')
    .summary('print the compiled model of a design')
    .description('Loads and compiles Drydock site design documents and prints the compiled model.')
    .argument('<path...>', 'design files or folders, or - for standard input')
    .option('--node <name>', 'print only this node')
    .option('--json', 'print JSON instead of YAML')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: ShowFlags) => {
      const loaded = loadDesign(await readDesignOrExit(paths));
      if (loaded.parseFailed) {
        for (const f of loaded.findings.filter((x) => x.code === 'yaml-syntax')) process.stderr.write(`${formatFinding(f)}\n`);
        throw new CliExit(EXIT.badInput, 'cannot parse the design (see above)');
      }
      const compiled = compileDesign(loaded);
      const findings: Finding[] = [...loaded.findings, ...compiled.findings, ...validateDesign(compiled)];
      let output: unknown;
      if (flags.node !== undefined) {
        const node = compiled.design.nodes.find((n) => n.model.name === flags.node);
        if (!node) {
          const names = compiled.design.nodes.map((n) => n.model.name);
          const close = suggestName(flags.node, names);
          throw new CliExit(EXIT.badInput, `the design has no node ${flags.node}${close ? ` (did you mean ${close}?)` : names.length > 0 && names.length <= 20 ? `; nodes: ${names.join(', ')}` : ''}`);
        }
        output = node.model;
      } else {
        output = compiled.site ?? fragment(compiled);
      }
      process.stdout.write(flags.json ? `${JSON.stringify(output, null, 2)}\n` : stringify(output, { lineWidth: 0 }));
      const errors = findings.filter((f) => f.severity === 'error');
      for (const f of errors) process.stderr.write(`${formatFinding(f)}\n`);
      if (errors.length > 0) throw new CliExit(EXIT.failure, `the design has ${errors.length} error${errors.length === 1 ? '' : 's'} (drydock validate lists every finding)`);
    });
}

/** Without a Region there is no site: show what compiled. */
function fragment(c: CompileResult): Record<string, unknown> {
  const d = c.design;
  return {
    networks: Object.fromEntries([...d.networks].map(([n, e]) => [n, e.model])),
    links: Object.fromEntries([...d.links].map(([n, e]) => [n, e.model])),
    racks: Object.fromEntries([...d.racks].map(([n, e]) => [n, e.model])),
    hardwareProfiles: Object.fromEntries([...d.hardwareProfiles].map(([n, e]) => [n, e.model])),
    bootActions: Object.fromEntries([...d.bootActions].map(([n, e]) => [n, e.model])),
    nodes: d.nodes.map((n) => n.model),
  };
}
