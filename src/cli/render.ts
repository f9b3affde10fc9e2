import type { DeploymentStatus, NodeDetail } from '../client';
import type { ExecutionSummary } from '../client/summaries';
import type { SiteActionResult } from '../contracts/deployment';

/** Human-readable rendering of drydock's results and progress for the terminal. */

export function duration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Left-aligned columns, widths from the content, for a few hundred rows at most. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function truncate(text: string | undefined, max: number): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function nodeRows(nodes: NodeDetail[]): string[][] {
  return nodes.map((n) => [
    n.node,
    n.state,
    n.step ?? (n.state === 'failed' ? n.steps.find((s) => s.status === 'failed')?.step ?? '' : ''),
    n.attempt !== undefined && n.attempt > 1 ? String(n.attempt) : '',
    duration(n.elapsedMs),
    truncate(n.confirmationPrompt ?? n.waiting ?? n.lastError, 70),
  ]);
}

export const NODE_HEADERS = ['NODE', 'STATE', 'STEP', 'ATTEMPT', 'ELAPSED', 'LAST ERROR / NOTE'];

export function renderStatus(status: DeploymentStatus): string {
  const lines: string[] = [];
  const p = status.progress;
  const result = status.result;
  lines.push(`${status.action} ${status.workflowId}`);
  lines.push(`  execution: ${status.execution}${p ? `, phase ${p.phase}${p.paused ? ' (paused)' : ''}` : ''}${status.startTime ? `, started ${status.startTime.toISOString()}` : ''}`);
  if (p?.site ?? result?.site) lines.push(`  site: ${p?.site ?? result?.site}`);
  if (p) {
    const c = p.counts;
    lines.push(`  nodes: ${c.total} total, ${c.running} running, ${c.pending} pending, ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped`);
  }
  if (status.failure) lines.push(`  failed: ${status.failure.type ? `${status.failure.type}: ` : ''}${status.failure.message}`);
  if (p && p.nodes.length > 0) lines.push('', table(NODE_HEADERS, nodeRows(p.nodes)));
  const reported = (p?.nodes ?? []).flatMap((n) => (n.bootActions ?? []).filter((b) => b.signaling).map((b) => `  ${n.node} boot action ${b.name}: ${b.status} (${b.reports} report${b.reports === 1 ? '' : 's'})${b.lastMessage ? ` — ${truncate(b.lastMessage, 90)}` : ''}`));
  if (reported.length) lines.push('', 'Boot actions:', ...reported);
  else if (result) lines.push('', renderResult(result));
  if (p?.phase === 'awaiting-retry') lines.push('', `Some nodes failed. Retry them with: drydock retry ${status.workflowId}   (or end the run: drydock finish ${status.workflowId})`);
  return lines.join('\n');
}

export function renderResult(result: SiteActionResult): string {
  const lines = [`${result.action} on site ${result.site}: ${result.status} — ${result.message}`];
  for (const s of result.siteSteps) lines.push(`  site step ${s.step}: ${s.status} (${truncate(s.message, 90)})`);
  if (result.nodes.length > 0) {
    lines.push(
      '',
      table(
        ['NODE', 'RESULT', 'FAILED STEP', 'MESSAGE'],
        result.nodes.map((n) => [n.node, n.outcome, n.failedStep ?? '', truncate(n.message, 90)]),
      ),
    );
  }
  if (result.skipped.length > 0) {
    // Skipped is not success: say how many and who holds them (the reason names the holding run).
    lines.push('', `Not everything was done: ${result.skipped.length} node(s) skipped (exit code 4):`);
    for (const s of result.skipped) lines.push(`  ${s.node}: ${truncate(s.reason, 150)}`);
  }
  const warnings = result.findings.filter((f) => f.severity === 'warning');
  if (warnings.length > 0) lines.push('', `${warnings.length} design warning(s); run \`drydock validate\` to see them.`);
  return lines.join('\n');
}

export function renderSummaries(rows: ExecutionSummary[]): string {
  if (rows.length === 0) return 'No matching workflows.';
  return table(
    ['STARTED', 'WORKFLOW ID', 'ACTION', 'SITE', 'NODE', 'PHASE', 'RESULT', 'FAILURE'],
    rows.map((r) => [r.startTime.toISOString().replace(/\.\d+Z$/, 'Z'), r.workflowId, r.action ?? r.type, r.site ?? '', r.node ?? '', r.phase ?? '', r.result ?? r.execution.toLowerCase(), truncate(r.failureCause, 40)]),
  );
}
