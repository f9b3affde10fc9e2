import type { CompiledSite } from '../design/model';

/** The site-level part of a compiled design that node-level actions need (everything but the
 * node list, which would make every activity input as large as the site). Workflows carry it to
 * activities; drivers act on it. */
export type SiteContext = Omit<CompiledSite, 'nodes'>;
