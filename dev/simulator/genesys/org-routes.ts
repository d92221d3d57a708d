import type { Answer, ApiRequest, SimContext } from './context';
import { notFound } from './errors';
import type { BusinessUnit } from './store';

/*
 * What a client reads to find its way around the organisation (the SDKs' WorkforceManagementApi: "Get business units",
 * "Get management units", "Get activity codes"): listings of `entities`. Names are the simulator's own (the store keeps
 * none). The routes' own permissions are not modelled: the schedule view permission lets a caller list.
 */

const PREFIX = '/api/v2/workforcemanagement';

/** `GET /businessunits`: `BusinessUnitListing`, each `{ id, name, division, selfUri }`. */
export function listBusinessUnits(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const entities = ctx.store.businessUnits.map((bu, i) => ({
    id: bu.id,
    name: `Business unit ${i + 1}`,
    division: { id: 'home', name: 'Home', selfUri: '/api/v2/authorization/divisions/home' },
    selfUri: `${PREFIX}/businessunits/${bu.id}`,
  }));
  return { status: 200, body: { entities } };
}

/** `GET /businessunits/{buId}/managementunits`: `ManagementUnitListing`. */
export function listManagementUnits(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const bu = businessUnitOf(ctx, r);
  const entities = bu.managementUnits.map((mu, i) => ({
    id: mu.id,
    name: `Management unit ${i + 1}`,
    businessUnit: { id: bu.id, selfUri: `${PREFIX}/businessunits/${bu.id}` },
    selfUri: `${PREFIX}/managementunits/${mu.id}`,
  }));
  return {
    status: 200,
    body: { entities, pageSize: entities.length, pageNumber: 1, total: entities.length },
  };
}

/**
 * The activity codes the simulator's schedules use (`0` work, `1` break, `2` time off, `3` training) and two more:
 * `BusinessUnitActivityCodeListing`.
 */
const ACTIVITY_CODES = [
  { id: '0', name: 'On Queue Work', category: 'OnQueueWork', paid: true, work: true },
  { id: '1', name: 'Break', category: 'Break', paid: true, work: false, lengthInMinutes: 15 },
  { id: '2', name: 'Time Off', category: 'TimeOff', paid: true, work: false },
  { id: '3', name: 'Training', category: 'Training', paid: true, work: true },
  { id: '4', name: 'Meal', category: 'Meal', paid: false, work: false, lengthInMinutes: 30 },
  { id: '5', name: 'Meeting', category: 'Meeting', paid: true, work: true },
];

/** `GET /businessunits/{buId}/activitycodes`. */
export function listActivityCodes(ctx: SimContext, r: ApiRequest): Answer {
  ctx.auth.require(r.caller, 'wfm:schedule:view');
  const bu = businessUnitOf(ctx, r);
  const entities = ACTIVITY_CODES.map((c) => ({
    id: c.id,
    name: c.name,
    active: true,
    defaultCode: true,
    category: c.category,
    ...(c.lengthInMinutes === undefined ? {} : { lengthInMinutes: c.lengthInMinutes }),
    countsAsPaidTime: c.paid,
    countsAsWorkTime: c.work,
    selfUri: `${PREFIX}/businessunits/${bu.id}/activitycodes/${c.id}`,
  }));
  return { status: 200, body: { entities } };
}

function businessUnitOf(ctx: SimContext, r: ApiRequest): BusinessUnit {
  const bu = ctx.store.businessUnit(r.params.buId ?? '');
  if (!bu) throw notFound(`Business unit ${r.params.buId}`);
  return bu;
}
