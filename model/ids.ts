import { z } from 'zod';

/** The longest planId, scheduleId or agentId accepted. */
export const ID_MAX_LENGTH = 128;

/**
 * One grammar for planId, scheduleId and agentId, so an ID is safe at every boundary it crosses (URL path segment,
 * file or folder name, workflow ID, search attribute, terminal): 1 to 128 ASCII characters, letters, digits and
 * `. _ : @ + ~ -`, starting with a letter or digit (so never `.` or `..`). UUIDs, e-mail addresses and the usual
 * WFM keys fit. Anything else (spaces, slashes, control or zero-width characters, other scripts) is refused rather
 * than guessed at: Unicode look-alikes and NFC/NFD twins cannot pass as distinct IDs.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+~-]*$/;

const ID_RULE = `1-${ID_MAX_LENGTH} ASCII letters, digits and . _ : @ + ~ -, starting with a letter or digit`;

export const idSchema = z
  .string()
  .min(1, `must be ${ID_RULE}`)
  .max(ID_MAX_LENGTH, `must be ${ID_RULE}`)
  .regex(ID_PATTERN, `must be ${ID_RULE}`);

/** True when `value` follows the ID grammar. */
export function isValidId(value: string): boolean {
  return idSchema.safeParse(value).success;
}

/**
 * The key two IDs collide on: WFMs differ in whether `A-1` and `a-1` are one agent, so a plan may not list both.
 * (Normalisation forms cannot differ: the grammar is ASCII.)
 */
export function idCollisionKey(id: string): string {
  return id.normalize('NFC').toLowerCase();
}
