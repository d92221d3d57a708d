import type { PushContext } from './context';
import { PushRefused } from './submit-push';

/**
 * Whose plan a plan ID names (issue 23: plan IDs are unique per tenant). Given `tenant`, that one (`null`: the plan
 * without a tenant). Without it, the one tenant (or none) that has a push of this plan ID in the store; a plan ID
 * several tenants use is refused with the list to choose from (`PushRefused`). A plan ID the store does not know: no
 * tenant (the caller then says there is no such push, as before).
 */
export async function planTenant(
  ctx: Pick<PushContext, 'results'>,
  planId: string,
  tenant?: string | null,
): Promise<string | undefined> {
  if (tenant !== undefined) return tenant ?? undefined;
  const tenants = await ctx.results.tenantsOf(planId);
  if (tenants.length <= 1) return tenants[0];
  const named = tenants.map((t) => t ?? '- (no tenant)');
  throw new PushRefused(
    `plan ID ${planId} is used by ${tenants.length} tenants: ${named.join(', ')}; name one with --tenant <id>`,
  );
}
