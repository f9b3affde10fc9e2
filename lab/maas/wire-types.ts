/**
 * Wire shapes the MAAS emulator renders that are not modelled elsewhere in its state, written
 * from MAAS's own handlers rather than taken from the driver's types
 * (`src/drivers/node/maas/types.ts`), so a wrong field cannot agree with itself on both sides.
 */

/**
 * A package repository as `PackageRepositoryHandler` renders it: its `fields` tuple in
 * `src/maasserver/api/packagerepositories.py` (line 30 on MAAS 3.0-3.7; see
 * ../shared/maas-api/real-maas-spec.json, `handler_fields.PackageRepositoryHandler`), with the
 * value types of `maasserver/models/packagerepository.py` (ArrayFields of text for the lists).
 */
export interface PackageRepositoryWire {
  id: number;
  name: string;
  url: string;
  distributions: string[];
  disabled_pockets: string[];
  disabled_components: string[];
  disable_sources: boolean;
  components: string[];
  arches: string[];
  key: string;
  enabled: boolean;
}
