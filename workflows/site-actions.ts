import type { SiteActionInput, SiteActionResult } from '../src/contracts/deployment';
import { runSiteAction } from './site';

/** Drydock's orchestrator actions, one workflow type each. */
export const ValidateDesign = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('ValidateDesign', input);
export const VerifySite = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('VerifySite', input);
export const PrepareSite = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('PrepareSite', input);
export const VerifyNodes = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('VerifyNodes', input);
export const PrepareNodes = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('PrepareNodes', input);
export const DeployNodes = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('DeployNodes', input);
export const DestroyNodes = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('DestroyNodes', input);
export const RelabelNodes = (input: SiteActionInput): Promise<SiteActionResult> => runSiteAction('RelabelNodes', input);
