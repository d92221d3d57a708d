export { bulkPush } from './bulk-push';
export { schedulePush } from './schedule-push';
export { planDiff } from './plan-diff';
