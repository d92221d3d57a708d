/**
 * The library API for schedulers, in one place: submit a validated plan (`submit-push.ts`), follow it
 * (`follow-push.ts`), steer it (`steer-push.ts`) and read its report (`push-report.ts`). The CLI is built on it.
 */
export type { PushContext } from './context';
export { pushHandle, stateOf } from './push-handle';
export { PushRefused, retryPush, submitPush, type SubmitOptions, type Submitted } from './submit-push';
export { loadPushRecord, pushReport } from './push-report';
export { pushProgress, waitForReport } from './follow-push';
export { cancelPush, pausePush, resumePush } from './steer-push';
export { syncTrouble, type SyncTrouble } from './sync-trouble';
