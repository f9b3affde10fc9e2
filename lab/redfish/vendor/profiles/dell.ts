import type { ExtendedMessage } from '../messages';
import { GENERIC_DEFAULTS, type VendorProfile } from './profile';

/**
 * Dell iDRAC9 (libredfish/dell, PowerEdge R750; pypi/dell-r640).
 *
 * - BootOrder PATCH of /Systems/System.Embedded.1 sets a pending value and answers with a job:
 *   Dell's own ChangeBiosBootOrderDMTF_REDFISH.py (github.com/dell/iDRAC-Redfish-Scripting) PATCHes
 *   `{"Boot":{"BootOrder":[...]}}` there, accepts 200 or 202, takes the job id from the Location
 *   header's last segment, waits for the job to be Scheduled and reboots to apply it; Dell's
 *   maintainer: "Once you run PATCH to set the boot order, this is only setting pending value ...
 *   reboot the server to apply the pending changes" (iDRAC-Redfish-Scripting issue #250). The job
 *   lives at /redfish/v1/Managers/iDRAC.Embedded.1/Jobs/<JID> with a JobState (libredfish
 *   src/dell.rs get_job_state reads that path and key). This model answers 202 with that Location.
 * - The override (BootSourceOverride*) applies directly: the R750 capture has no `@Redfish.Settings`
 *   on the System (libredfish/dell/redfish/v1/Systems/System.Embedded.1/index.json).
 * - Busy: iDRAC answers SYS518 ("IDRAC.2.7.SYS518") while it cannot serve a request, with HTTP 500;
 *   OpenStack sushy retries exactly that (sushy connector tests test_op_retry_on_server_500_sys518),
 *   and sushy-tools' own emulator raises "SYS518: ... busy, retry required" for a busy instance
 *   (sushy_tools/emulator/resources/systems/novadriver.py). The message text of SYS518 is not in any
 *   source at hand; the text below says only what the id means to those clients.
 * - Error bodies: iDRAC's frame (see messages.ts, issue #10 of iDRAC-Redfish-Scripting).
 * - No ETag in the capture's bodies; none is invented in headers either.
 */
export const dellProfile: VendorProfile = {
  ...GENERIC_DEFAULTS,
  id: 'dell',
  family: 'Dell iDRAC',
  // No registry in the capture; Base.1.0.0 defines every id used.
  base: 'Base.1.0',
  errorStyle: 'idrac',
  etagHeader: 'none',
  bootOrderJob: { jobsCollection: '/redfish/v1/Managers/iDRAC.Embedded.1/Jobs' },
  busy: {
    status: 500,
    message: (): ExtendedMessage => ({
      MessageId: 'IDRAC.2.7.SYS518',
      Message: 'The iDRAC is busy and cannot process the request now (modelled; retry after a short wait).',
      Severity: 'Warning',
      Resolution: 'Retry the operation.',
    }),
  },
};
