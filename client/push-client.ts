/**
 * The library API for schedulers, in one place: submit a validated plan (`submit-push.ts`), follow it
 * (`follow-push.ts`), steer it (`steer-push.ts`) and read its report (`push-report.ts`). The CLI is built on it.
 */
export type { PushContext } from './context';
export { pushHandle, pushTaskQueue, stateOf, workerPolls } from './push-handle';
export { PushRefused, retryPush, submitPush, type SubmitOptions, type Submitted } from './submit-push';
export { loadPushRecord, pushReport } from './push-report';
export { planTenant } from './plan-tenant';
export { pushProgress, waitForReport } from './follow-push';
export { startInlinePush, type InlineStartAnswer } from './start-inline';
export { cancelPush, pausePush, resumePush } from './steer-push';
export {
  lookInFlight,
  pushTenant,
  syncTrouble,
  type InFlightLook,
  type SyncsInFlight,
  type SyncTrouble,
} from './sync-trouble';
