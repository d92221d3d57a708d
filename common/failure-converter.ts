import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures with their message and stack trace encoded as a payload, so the payload codec encrypts them too: a
 * server's error text (agent IDs, shift details) never sits in history in clear. Loaded by path (workflows use it in
 * their sandbox): see `dataConverterFor`.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
