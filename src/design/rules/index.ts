import { bootStorageRational } from './boot-storage-rational';
import { bootactionDefined } from './bootaction-defined';
import { bootactionPackageList } from './bootaction-package-list';
import { bootactionTemplate } from './bootaction-template';
import { cidrValidity } from './cidr-validity';
import type { Rule } from './context';
import { credentialReference } from './credential-reference';
import { hostnameValidity } from './hostname-validity';
import { hugepagesValidity } from './hugepages-validity';
import { ipLocality } from './ip-locality';
import { ipmiValidity } from './ipmi-validity';
import { libvirtValidity } from './libvirt-validity';
import { mtuRational } from './mtu-rational';
import { networkBondRational } from './network-bond-rational';
import { networkTrunking } from './network-trunking';
import { noDuplicateIps } from './no-duplicate-ips';
import { oobCredentials } from './oob-credentials';
import { oobParameters } from './oob-parameters';
import { platformSelection } from './platform-selection';
import { redfishValidity } from './redfish-validity';
import { storageMountpoints } from './storage-mountpoints';
import { storagePartitioning } from './storage-partitioning';
import { storageSizing } from './storage-sizing';
import { undefinedReference } from './undefined-reference';
import { uniqueNetwork } from './unique-network';

export type { Rule, RuleContext, ValidateOptions } from './context';

/** Every validation rule, in the order Drydock runs its own, then ours. */
export const RULES: readonly Rule[] = [
  bootStorageRational,
  cidrValidity,
  hugepagesValidity,
  ipLocality,
  mtuRational,
  networkTrunking,
  noDuplicateIps,
  platformSelection,
  networkBondRational,
  storagePartitioning,
  storageSizing,
  storageMountpoints,
  uniqueNetwork,
  hostnameValidity,
  ipmiValidity,
  redfishValidity,
  libvirtValidity,
  bootactionDefined,
  bootactionPackageList,
  bootactionTemplate,
  undefinedReference,
  oobCredentials,
  credentialReference,
  oobParameters,
];
