import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { updateUploadModel, type SimUpdateUpload } from './models';
import { applyUpdate, checkUpdate } from './apply-update';
import type { Answer, ApiRequest, SimContext } from './context';
import { badRequest, GenesysError, notFound } from './errors';
import { findSchedule, pathOf } from './schedule-routes';
import type { BusinessUnit, StoredSchedule } from './store';
import { utcInstant, uuidFrom } from './store';
import { scheduleMetadata } from './views';

const uploadUrlBodySchema = z.looseObject({ contentLengthBytes: z.number().int().min(1) });
const updateBodySchema = z.looseObject({ uploadKey: z.string().min(1) });

const scheduleKey = (s: StoredSchedule) => `${s.businessUnitId}/${s.weekId}/${s.id}`;

/** `POST .../update/uploadurl` (§1 #4, §7.4): 201 `{ uploadKey, url, headers, uploadBodySchema: null }`. */
export function createUploadUrl(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:edit');
  const { schedule } = findSchedule(ctx, r.params);
  const body = uploadUrlBodySchema.safeParse(r.body);
  if (!body.success) throw badRequest('contentLengthBytes must be a positive integer', 'contentLengthBytes');
  if (body.data.contentLengthBytes > ctx.options.uploadBytesMax)
    throw new GenesysError(
      413,
      'payload.too.large',
      `contentLengthBytes exceeds ${ctx.options.uploadBytesMax}`,
    );
  const { hostile } = ctx.options;
  const upload = ctx.storage.createUpload(
    hostile.storageOrigin ?? r.origin,
    scheduleKey(schedule),
    body.data.contentLengthBytes,
  );
  const headers = { ...hostile.uploadHeaders, ...upload.headers };
  return {
    status: 201,
    body: { uploadKey: upload.uploadKey, url: upload.url, headers, uploadBodySchema: null },
  };
}

/**
 * `POST .../update` (§1 #6, §2, §7.4-5). A stale schedule version is refused at once (409); stale agent versions are
 * refused at once for `agentConflictSyncShare` of calls, otherwise the operation ends `Error` with no reason. The
 * outcome is in the 200 answer, or (`updateProcessingShare`) a 202 `Processing` followed by a notification.
 */
export function startUpdate(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:edit');
  const { schedule, bu } = findSchedule(ctx, r.params);
  const upload = takeUpload(ctx, r.body, schedule);
  const staleness = checkUpdate(schedule, bu, upload);
  if (staleness.scheduleStale)
    throw conflict(
      `The schedule version ${upload.metadata.version} does not match the current version ${schedule.version}`,
    );
  if (staleness.staleAgents.length > 0 && ctx.random() < ctx.options.agentConflictSyncShare)
    throw conflict(
      `Agent schedule versions do not match for ${staleness.staleAgents.length} user(s)`,
      staleness.staleAgents.map((entityId) => ({
        errorCode: 'conflict',
        entityId,
        fieldName: 'metadata.version',
      })),
    );
  const operationId = uuidFrom(ctx.random);
  const lost = ctx.random() < ctx.options.lostResponseShare;
  if (ctx.random() < ctx.options.updateProcessingShare) {
    ctx.later(ctx.options.processingDelayMs, () => {
      const outcome = finishUpdate(ctx, schedule, bu, upload, operationId, r.caller.clientId);
      ctx.notifications.publish(
        `v2.workforcemanagement.businessunits.${bu.id}.schedules`,
        { ...outcome, eventType: 'Update' },
        ctx.options.duplicateNotificationShare,
      );
    });
    return lost ? { drop: true } : { status: 202, body: { status: 'Processing', operationId } };
  }
  const outcome = finishUpdate(ctx, schedule, bu, upload, operationId, r.caller.clientId);
  return lost ? { drop: true } : { status: 200, body: outcome };
}

/** The uploaded update for `uploadKey`: unknown → 404; expired, used, elsewhere or never PUT → 400 (§7.4). */
function takeUpload(ctx: SimContext, body: unknown, schedule: StoredSchedule): SimUpdateUpload {
  const parsed = updateBodySchema.safeParse(body);
  if (!parsed.success) throw badRequest('uploadKey is required', 'uploadKey');
  const upload = ctx.storage.uploads.get(parsed.data.uploadKey);
  if (!upload) throw notFound(`Upload ${parsed.data.uploadKey}`);
  if (upload.used) throw badRequest('The uploadKey has already been used', 'uploadKey');
  if (upload.expiresAtMs <= ctx.now().getTime()) throw badRequest('The uploadKey has expired', 'uploadKey');
  if (upload.scheduleKey !== scheduleKey(schedule))
    throw badRequest('The uploadKey belongs to another schedule', 'uploadKey');
  if (!upload.body) throw badRequest('Nothing was uploaded for this uploadKey', 'uploadKey');
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(upload.body).toString('utf8'));
  } catch {
    throw badRequest('The uploaded body is not gzip-encoded JSON');
  }
  const update = updateUploadModel.safeParse(json);
  if (!update.success)
    throw badRequest(
      `Invalid update: ${update.error.issues[0]?.message ?? 'invalid'}`,
      pathOf(update.error) || 'body',
    );
  upload.used = true;
  return update.data;
}

/** Processing ends: canceled, `Error` (versions moved meanwhile; no reason given, §2), or applied and `Complete`. */
function finishUpdate(
  ctx: SimContext,
  schedule: StoredSchedule,
  bu: BusinessUnit,
  upload: SimUpdateUpload,
  operationId: string,
  clientId: string,
): Record<string, unknown> {
  if (ctx.random() < ctx.options.canceledShare) return { status: 'Canceled', operationId };
  let staleness;
  try {
    staleness = checkUpdate(schedule, bu, upload);
  } catch {
    return { status: 'Error', operationId }; // The schedule changed under the update (e.g. a shift deleted).
  }
  if (staleness.scheduleStale || staleness.staleAgents.length > 0) return { status: 'Error', operationId };
  const from = schedule.version;
  const agents = applyUpdate(schedule, bu, upload, {
    who: clientId,
    atIso: utcInstant(ctx.now().getTime()),
    random: ctx.random,
  });
  ctx.store.record({
    writer: 'api',
    clientId,
    operationId,
    businessUnitId: bu.id,
    weekId: schedule.weekId,
    scheduleId: schedule.id,
    scheduleVersion: { from, to: schedule.version },
    agents,
  });
  const result = ctx.options.minimalResults
    ? { metadata: { version: schedule.version } }
    : scheduleMetadata(schedule, bu, false);
  return { status: 'Complete', operationId, result };
}

/** 409 (§2: the code of a WFM conflict is not documented; this one is the simulator's). */
function conflict(
  message: string,
  details: ConstructorParameters<typeof GenesysError>[3] = [],
): GenesysError {
  return new GenesysError(409, 'conflict', message, details);
}
