import { GenesysError } from './errors';
import type { GenesysSimulator } from './genesys-simulator';
import { namedInPatch } from '../options';
import { genesysFaultPatchSchema } from './options';
import { agentScheduleView, scheduleMetadata } from './views';

/**
 * `/_sim/*`: what tests and the demo read to check invariants (commit log: which agents each write changed, by whom;
 * request log; emitted notifications), and the knobs they turn. Not part of the Genesys API.
 */
export function testOnlyRoute(
  sim: GenesysSimulator,
  route: string,
  url: URL,
  body: unknown,
): { status: number; body: unknown } {
  const since = Number(url.searchParams.get('since') ?? 0);
  switch (route) {
    case 'GET /_sim/commits':
      return { status: 200, body: { commits: sim.store.commits.slice(since) } };
    case 'GET /_sim/requests':
      return { status: 200, body: { requests: sim.requests.slice(since) } };
    case 'GET /_sim/notifications':
      return { status: 200, body: { notifications: sim.notifications.log.slice(since) } };
    case 'GET /_sim/state':
      return { status: 200, body: state(sim) };
    case 'POST /_sim/edit': {
      // Body `{ scheduleId?, userId? }`: one edit by another writer now (random where not named).
      const { scheduleId, userId } = (body ?? {}) as { scheduleId?: unknown; userId?: unknown };
      const schedule = sim.store.allSchedules().find((s) => s.id === scheduleId);
      const commit = sim.store.editByOtherWriter('manual', sim.options.otherWriterBumpsScheduleVersion, {
        schedule,
        userId: typeof userId === 'string' ? userId : undefined,
      });
      return { status: 200, body: { commit } };
    }
    case 'PATCH /_sim/faults': {
      const patch = genesysFaultPatchSchema.safeParse(body);
      if (!patch.success) throw new GenesysError(400, 'bad.request', patch.error.message);
      // Only what the body names changes: the partial schema would fill in every other fault's default.
      sim.patchOptions(namedInPatch(patch.data, body));
      return { status: 200, body: sim.options };
    }
    default:
      throw new GenesysError(404, 'not.found', `No route ${route}`);
  }
}

/** Every business unit with its management units, and every schedule with its agents' schedules and versions. */
export function state(sim: GenesysSimulator) {
  return {
    businessUnits: sim.store.businessUnits,
    approvedTimeOff: sim.store.approvedTimeOff,
    schedules: sim.store.allSchedules().map((s) => {
      const bu = sim.store.businessUnit(s.businessUnitId);
      return {
        businessUnitId: s.businessUnitId,
        weekId: s.weekId,
        metadata: bu ? scheduleMetadata(s, bu, true) : undefined,
        agentSchedules: [...s.agents.values()].map(agentScheduleView),
      };
    }),
  };
}
