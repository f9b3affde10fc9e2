import type { Finding } from '../findings';
import { docFinding, Rule } from './context';

/**
 * Drydock's BootactionPackageListValid: a pkg_list asset has packages (a mapping of name to
 * version) or a location to fetch them from, and versions are Debian versions. Drydock's version
 * pattern demands a Debian revision (`1.2-1`), rejecting native packages (`1.2`); here the
 * revision is optional, and package names are checked too.
 */
const VERSION = /^(\d+:)?[A-Za-z0-9][A-Za-z0-9.+~]*(-[A-Za-z0-9.+~]+)*$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

export const bootactionPackageList: Rule = {
  code: 'bootaction-package-list',
  run(ctx) {
    const out: Finding[] = [];
    for (const { doc } of ctx.design.bootActions.values()) {
      doc.data.assets.forEach((a, i) => {
        if (a.type !== 'pkg_list') return;
        if (a.data === undefined) {
          if (a.location === undefined) out.push(docFinding('bootaction-package-list', doc, ['assets', i], 'a pkg_list asset needs data (a mapping of package name to version) or a location to fetch it from'));
          return;
        }
        if (typeof a.data === 'string') {
          if (a.location === undefined) out.push(docFinding('bootaction-package-list', doc, ['assets', i, 'data'], 'the data of a pkg_list asset must be a mapping of package name to version, e.g. {curl: null, 2ping: 3.2.1-1}'));
          return;
        }
        for (const [pkg, version] of Object.entries(a.data)) {
          if (!PACKAGE.test(pkg)) out.push(docFinding('bootaction-package-list', doc, ['assets', i, 'data', pkg], `"${pkg}" is not a Debian package name (lower-case letters, digits, + - .)`));
          if (version !== null && version !== '' && !VERSION.test(version)) out.push(docFinding('bootaction-package-list', doc, ['assets', i, 'data', pkg], `version specifier "${version}" of package ${pkg} is not a valid format (e.g. 1.2.3-1, 2:1.0, or empty for any version)`));
        }
      });
    }
    return out;
  },
};
