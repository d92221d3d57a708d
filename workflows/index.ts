export { bulkPush } from './bulk-push';
export { pushNotice } from './push-notice';
export { schedulePush } from './schedule-push';
export { planDiff } from './plan-diff';
export { verifyPush } from './verify-push';
