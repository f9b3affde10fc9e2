import { amiProfile } from './ami';
import { dellProfile } from './dell';
import { dmtfProfile } from './dmtf';
import { hpeProfile } from './hpe';
import { lenovoProfile } from './lenovo';
import { openbmcProfile } from './openbmc';
import type { VendorProfile } from './profile';
import { supermicroProfile } from './supermicro';

export type { VendorProfile } from './profile';

export const PROFILES: Record<string, VendorProfile> = {
  dmtf: dmtfProfile,
  dell: dellProfile,
  hpe: hpeProfile,
  lenovo: lenovoProfile,
  supermicro: supermicroProfile,
  ami: amiProfile,
  openbmc: openbmcProfile,
};

/** Which profile serves which tree of ../shared/redfish-payloads (its README names each tree's BMC). */
const TREE_PROFILES: Array<[RegExp, VendorProfile]> = [
  [/(^|\/)dmtf\/[^/]+\/?$/, dmtfProfile],
  [/(^|\/)libredfish\/dell\/?$/, dellProfile],
  [/(^|\/)pypi\/dell-r640\/?$/, dellProfile],
  [/(^|\/)libredfish\/hpe\/?$/, hpeProfile],
  [/(^|\/)pypi\/hpe-ilo5-110\/?$/, hpeProfile],
  [/(^|\/)libredfish\/lenovo\/?$/, lenovoProfile],
  [/(^|\/)libredfish\/supermicro\/?$/, supermicroProfile],
  [/(^|\/)libredfish\/nvidia_viking\/?$/, amiProfile],
  [/(^|\/)libredfish\/nvidia_gh200\/?$/, openbmcProfile],
];

/** The profile for a tree folder, by its place in ../shared/redfish-payloads; DMTF generic otherwise. */
export function profileForTree(treeDir: string): VendorProfile {
  const path = treeDir.replace(/\\/g, '/');
  return TREE_PROFILES.find(([re]) => re.test(path))?.[1] ?? dmtfProfile;
}
