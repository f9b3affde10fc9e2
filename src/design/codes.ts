import type { Severity } from './findings';

/**
 * Every finding code, in one place so codes stay stable and unique. `docs/validation-rules.md`
 * lists them (a unit test keeps the two in step). `severity` is the usual severity; a few rules
 * report some findings at a lower one (said in `checks`).
 */
export interface CodeInfo {
  severity: Severity;
  stage: 'load' | 'compile' | 'validate';
  /** What it checks, for the rule list. */
  checks: string;
  /** Drydock's equivalent (class and code), when there is one. */
  drydock?: string;
}

export const CODES = {
  // Loading: YAML, document envelopes, schemas.
  'yaml-syntax': { severity: 'error', stage: 'load', checks: 'The file is valid YAML (a syntax error makes `drydock validate` exit 2).', drydock: 'ingester: Error parsing YAML' },
  'yaml-duplicate-key': { severity: 'error', stage: 'load', checks: 'No mapping repeats a key (Drydock silently keeps the last one).' },
  'yaml-key-type': { severity: 'error', stage: 'load', checks: 'Every mapping key is a string: an unquoted `0xffff`, `on` or `1.5` is a number or boolean to YAML and must be quoted.' },
  'yaml-alias': { severity: 'error', stage: 'load', checks: 'Aliases expand to a bounded size and nesting depth (no alias bombs, no recursion).' },
  'document-envelope': { severity: 'error', stage: 'load', checks: 'A Drydock document has a known kind, version v1, a `metadata.name` and only the top-level keys of its format.', drydock: 'DD000' },
  'document-skipped': { severity: 'info', stage: 'load', checks: 'Documents of other schemas (`deckhand/...`, `promenade/...`) are skipped.' },
  'document-unrecognised': { severity: 'warning', stage: 'load', checks: 'A YAML document that has neither `schema` nor `apiVersion` is skipped.' },
  'deckhand-unrendered': { severity: 'warning', stage: 'load', checks: 'Deckhand substitutions and layering are not applied: render the documents with Deckhand first.' },
  schema: { severity: 'error', stage: 'load', checks: "Every field has the type, format and allowed values of Drydock's schema for its kind; unknown fields are errors.", drydock: 'DD001' },

  // Compiling: document index, inheritance, references the compiler resolves.
  'duplicate-document': { severity: 'error', stage: 'compile', checks: 'Document names are unique per kind (the first document wins).' },
  region: { severity: 'error', stage: 'compile', checks: 'At most one Region document (error); none is a warning, since a fragment of a site can still be checked.' },
  'profile-cycle': { severity: 'error', stage: 'compile', checks: 'Host profile inheritance has no cycle.' },
  'unknown-profile': { severity: 'error', stage: 'compile', checks: "A node's or profile's `host_profile` and `hardware_profile` name defined, valid documents.", drydock: 'compile fails with an exception' },
  'kernel-param-reference': { severity: 'error', stage: 'compile', checks: '`hardwareprofile:cpuset.X` and `hardwareprofile:hugepages.X.size|count` kernel parameters resolve.', drydock: 'logged as a warning, value left unresolved' },

  // Validation rules (src/design/rules/<code>.ts).
  'boot-storage-rational': { severity: 'error', stage: 'validate', checks: 'A root filesystem of at least 20 GB and, when present, a /boot of at least 1 GB.', drydock: 'BootStorageRational DD1001' },
  'cidr-validity': { severity: 'error', stage: 'validate', checks: 'Network CIDRs parse and have no host bits set (the message gives the corrected CIDR).', drydock: 'CidrValidity DD2006' },
  'hugepages-validity': { severity: 'error', stage: 'validate', checks: 'Kernel parameters `hugepages` and `hugepagesz` come together.', drydock: 'HugepagesValidity DD1008' },
  'ip-locality': { severity: 'error', stage: 'validate', checks: "Static addresses are valid IPs on a defined network and inside its CIDR; route gateways are inside their network's CIDR. No networks at all is a warning.", drydock: 'IpLocalityCheck DD2002' },
  'mtu-rational': { severity: 'error', stage: 'validate', checks: 'MTUs are between 1280 and 65536, and a network\'s MTU is not above that of any link that carries it.', drydock: 'MtuRational DD2003' },
  'network-trunking': { severity: 'error', stage: 'validate', checks: 'A link with trunking disabled carries one network, names a default_network, and that network is untagged.', drydock: 'NetworkTrunkingRational DD2004' },
  'no-duplicate-ips': { severity: 'error', stage: 'validate', checks: 'No static address is assigned twice (across nodes or within one). A design without nodes is a warning.', drydock: 'NoDuplicateIpsCheck DD2005' },
  'platform-selection': { severity: 'error', stage: 'validate', checks: "Each node's image and kernel are among those the node bootstrapper offers (given as input; skipped with an info finding otherwise).", drydock: 'PlatformSelection DD3001' },
  'network-bond-rational': { severity: 'error', stage: 'validate', checks: 'Bond options fit the bonding mode (none when disabled; up/down delay >= mon_rate for 802.3ad; no hash or peer_rate for active-backup and balance-rr), and an interface with several slaves is on a bonded link.', drydock: 'RationalNetworkBond DD1006' },
  'storage-partitioning': { severity: 'error', stage: 'validate', checks: 'Each disk is either partitioned or a volume-group member; no partition both has a filesystem and joins a volume group; every volume group has a physical volume. A device naming an undefined volume group is a warning.', drydock: 'StoragePartitioning DD2002' },
  'storage-sizing': { severity: 'error', stage: 'validate', checks: 'Sizes are well-formed (`20g`, `>10GiB`, `30%`), none is negative, and percentages sum to at most 99% per disk and per volume group.', drydock: 'StorageSizing DD2003' },
  'storage-mountpoints': { severity: 'error', stage: 'validate', checks: 'No two partitions or logical volumes of a node mount at the same place.', drydock: 'StorageMountpoints DD2004' },
  'unique-network': { severity: 'error', stage: 'validate', checks: 'A network is allowed on at most one link, and an interface only carries networks its link allows.', drydock: 'UniqueNetworkCheck DD1007' },
  'hostname-validity': { severity: 'error', stage: 'validate', checks: "A node's FQDN (name + primary network's DNS domain) is at most 255 characters of RFC 1123 labels.", drydock: 'HostnameValidity DD3003' },
  'ipmi-validity': { severity: 'error', stage: 'validate', checks: 'An IPMI node has a BMC address (on its `oob.network`, or `oob.address`) and valid IPMI options.', drydock: 'IpmiValidity DD4001' },
  'redfish-validity': { severity: 'error', stage: 'validate', checks: 'A Redfish node has a BMC address (on its `oob.network`, or `oob.address`) and valid Redfish options.' },
  'libvirt-validity': { severity: 'error', stage: 'validate', checks: 'A libvirt node has a `qemu+ssh://` libvirt_uri and a boot MAC address.', drydock: 'LibvirtValidity DD4002' },
  'bootaction-defined': { severity: 'warning', stage: 'validate', checks: 'Every node is targeted by at least one boot action.', drydock: 'BootactionDefined DD4001' },
  'bootaction-package-list': { severity: 'error', stage: 'validate', checks: 'A pkg_list asset has package data (a mapping of name to version) or a location, and each version is a valid Debian version.', drydock: 'BootactionPackageListValid DD4002' },
  'bootaction-template': { severity: 'error', stage: 'validate', checks: 'The pipelines of every unit and file asset run on its inline data, and every template parses and renders (sandboxed) for each node the boot action targets.', drydock: 'none (Drydock renders templates only when the node fetches its assets)' },
  'undefined-reference': { severity: 'error', stage: 'validate', checks: 'Networks, links and racks named anywhere exist. Racks and rack-local networks that are not defined are warnings (Drydock accepts them).' },
  'oob-credentials': { severity: 'error', stage: 'validate', checks: 'IPMI and Redfish nodes have an `oob.account` and an `oob.credential`.' },
  'credential-reference': { severity: 'error', stage: 'validate', checks: 'Credentials (`oob.credential`, driver keys and tokens, switch SSH keys) are well-formed `env:`, `file:` or `secret:` references; cleartext is a warning.' },
  'oob-parameters': { severity: 'warning', stage: 'validate', checks: 'The OOB type has a driver, and every `oob.*` key is one some driver reads (a misspelt key is not ignored silently).' },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof CODES;
