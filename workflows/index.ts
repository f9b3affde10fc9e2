export { stackCheck } from './stack-check';
export { nodeWorkflow } from './node';
export { laneWorkflow } from './lane';
export { ValidateDesign, VerifySite, PrepareSite, VerifyNodes, PrepareNodes, DeployNodes, DestroyNodes, RelabelNodes } from './site-actions';
export { siteStepsWorkflow } from './site-steps';
export { bmcLockWorkflow } from './bmc-lock';
