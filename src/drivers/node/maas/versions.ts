import { DriverError } from '../../errors';
import type { MaasClient } from './client';
import { STATUS } from './types';

/**
 * The MAAS releases the driver supports and what differs between them.
 *
 * Supported: MAAS 3.x, whose REST API is API 2.0 (`/MAAS/api/2.0/`). MAAS 2.x regions lack 10 of
 * the driver's requests (package repositories, static routes, `boot-resources/?op=is_importing`,
 * `set_workload_annotations`) and are refused. Differences inside 3.x that the driver follows:
 * - interface edits on New machines: refused by 3.0-3.3 (src/maasserver/api/interfaces.py,
 *   raise_error_for_invalid_state_on_allocated_operations), allowed from 3.4.
 */
export interface MaasRelease {
  major: number;
  minor: number;
  /** As MAAS reported it (e.g. "3.4.2-14353-g.5a5221d57"). */
  text: string;
}

export const SUPPORTED_RELEASES = 'MAAS 3.0 and later 3.x releases (API 2.0)';

export function parseMaasVersion(text: string): MaasRelease | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), text } : undefined;
}

export function isSupported(release: MaasRelease): boolean {
  return release.major === 3;
}

/** Refuses a region the driver does not support, saying which ones it does. */
export function requireSupported(release: MaasRelease | undefined, text: string, apiUrl: string): MaasRelease {
  if (!release || !isSupported(release)) {
    throw new DriverError(
      'maas',
      'Unsupported',
      `MAAS at ${apiUrl} reports version "${text}", which drydock-temporal does not support: it supports ${SUPPORTED_RELEASES}; upgrade the region (or point the Region's drivers.node.apiUrl at a supported one)`,
      { target: apiUrl, details: { version: text } },
    );
  }
  return release;
}

/** The machine states in which this release lets interfaces be edited. */
export function editableNetworkStates(release: MaasRelease): string[] {
  const states: string[] = [STATUS.ready, STATUS.allocated, STATUS.broken, STATUS.failedTesting];
  return release.major > 3 || (release.major === 3 && release.minor >= 4) ? [STATUS.new, ...states] : states;
}

/** The region's release, read once per client (`GET version/`, served without authentication). */
export async function regionRelease(client: MaasClient, signal?: AbortSignal): Promise<MaasRelease> {
  const text = await client.regionVersion(signal);
  return requireSupported(parseMaasVersion(text), text, client.apiUrl);
}
