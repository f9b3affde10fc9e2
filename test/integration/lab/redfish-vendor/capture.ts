import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Body } from './http';

/** Reads a resource of a captured tree straight from its file (independently of the lab's loader). */
export function captured(dir: string, odataPath: string): Body {
  const rel = odataPath.replace(/\/+$/, '');
  const full = join(dir, rel, 'index.json');
  const file = existsSync(full) ? full : join(dir, rel.replace(/^\/redfish\/v1/, ''), 'index.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Body;
}

/** The Systems the capture's collection lists, without trailing slashes. */
export function capturedSystems(dir: string): string[] {
  const root = captured(dir, '/redfish/v1');
  const col = captured(dir, String((root.Systems as Body)['@odata.id']));
  return (col.Members as Body[]).map((m) => String(m['@odata.id']).replace(/\/+$/, ''));
}

/** ResetType values the capture allows: the action's AllowableValues, else its ActionInfo's. */
export function capturedResetTypes(dir: string, system: Body): string[] | undefined {
  const action = (system.Actions as Body | undefined)?.['#ComputerSystem.Reset'] as Body | undefined;
  if (!action) return undefined;
  const inline = action['ResetType@Redfish.AllowableValues'];
  if (Array.isArray(inline)) return inline.map(String);
  const info = action['@Redfish.ActionInfo'];
  if (typeof info !== 'string') return undefined;
  const params = captured(dir, info).Parameters as Body[];
  return (params.find((p) => p.Name === 'ResetType')?.AllowableValues as string[] | undefined) ?? undefined;
}
