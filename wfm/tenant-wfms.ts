import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from '../common/logger';
import { FailureType } from '../model/failures';
import { createWfm } from './create-wfm';
import type { WfmPort } from './port';
import type { WfmSettings } from './settings';
import type { TenantSettings, TenantWfmSettings } from './tenants';
import type { WfmMetrics } from './wfm-metrics';

export interface TenantWfmsOptions {
  /** The WFM of the worker's own settings: for plans that name no tenant. */
  defaultWfm: WfmPort;
  /** Each tenant's settings (WFM_TENANTS_FILE). */
  tenants: TenantSettings;
  logger: Logger;
  /** Where a tenant's WFM reports (its series labelled with the tenant); called for every tenant served. Default none. */
  metricsFor?: (tenant: string) => WfmMetrics;
  /** Wraps each tenant's port as it is built (tests inject faults). Default none. */
  wrap?: (wfm: WfmPort, tenant: string) => WfmPort;
}

/**
 * One WFM port per tenant, each its own world at the WFM: its own adapter, token cache, adaptive rate controller
 * (its budget is its own, and a Retry-After from one organisation pauses only that organisation's requests) and
 * notification channel. Built on first use, so a worker serving a hundred tenants opens channels only for those it
 * pushes to.
 */
export class TenantWfms {
  private readonly built = new Map<string, WfmPort>();
  /** Ports of tenants removed or changed by a reload: syncs in flight finish on them; closed with the worker. */
  private readonly retired: WfmPort[] = [];
  private tenants: TenantSettings;

  constructor(private readonly options: TenantWfmsOptions) {
    this.tenants = options.tenants;
    // Each tenant's series are scraped (at 0) from the start, before its first push: dashboards and alerts see them.
    for (const id of this.tenants.keys()) options.metricsFor?.(id);
  }

  /** The port for a plan's tenant (undefined: the worker's own WFM). An unknown tenant fails its schedule, visibly. */
  portFor(tenant: string | undefined): WfmPort {
    if (tenant === undefined) return this.options.defaultWfm;
    const settings = this.tenants.get(tenant);
    if (!settings)
      // Not retried: the file names no such tenant (removed since the push started, or a plan from another deployment).
      throw ApplicationFailure.nonRetryable(
        `tenant ${JSON.stringify(tenant)} is not in this worker's WFM_TENANTS_FILE (removed, or never added); its pushes cannot reach a WFM`,
        FailureType.UnknownTenant,
      );
    let port = this.built.get(tenant);
    if (!port) {
      port = this.build(tenant, settings);
      this.built.set(tenant, port);
    }
    return port;
  }

  /** The most schedules one push of `tenant` has in flight (the file's `maxSchedulesInFlight`); undefined: no cap. */
  maxSchedulesInFlightOf(tenant: string): number | undefined {
    return this.tenants.get(tenant)?.maxSchedulesInFlight;
  }

  /** The API style a tenant's plans are validated for; undefined for an unknown tenant. */
  apiStyleOf(tenant: string): WfmSettings['apiStyle'] | undefined {
    return this.tenants.get(tenant)?.apiStyle;
  }

  /**
   * Serves `tenants` from now on (the tenants file read again). A tenant removed fails its next syncs with
   * `UnknownTenant`; a tenant whose settings changed gets a new port on its next sync. Syncs in flight finish on the
   * port they have. Returns what changed, by tenant ID.
   */
  reload(tenants: TenantSettings): { added: string[]; removed: string[]; changed: string[] } {
    const before = this.tenants;
    const added = [...tenants.keys()].filter((id) => !before.has(id));
    const removed = [...before.keys()].filter((id) => !tenants.has(id));
    // New limits alone are no reason for a new adapter (its token and learnt rate stay good).
    const wfmOf = (settings: TenantWfmSettings | undefined) => {
      const {
        maxSyncs: _slots,
        maxSchedulesInFlight: _window,
        ...wfm
      } = settings ?? ({} as TenantWfmSettings);
      return JSON.stringify(wfm);
    };
    const changed = [...tenants.keys()].filter(
      (id) => before.has(id) && wfmOf(before.get(id)) !== wfmOf(tenants.get(id)),
    );
    for (const id of [...removed, ...changed]) {
      const port = this.built.get(id);
      if (port) this.retired.push(port);
      this.built.delete(id);
    }
    this.tenants = tenants;
    for (const id of added) this.options.metricsFor?.(id);
    return { added, removed, changed };
  }

  /** Closes every tenant's adapter (the notification sockets); the default port is its owner's to close. */
  async close(): Promise<void> {
    await Promise.all([...this.built.values(), ...this.retired].map((port) => port.close?.()));
    this.built.clear();
    this.retired.length = 0;
  }

  private build(tenant: string, settings: WfmSettings): WfmPort {
    const { logger, metricsFor, wrap } = this.options;
    const port = createWfm(settings, withFields(logger, { tenant }), metricsFor?.(tenant));
    return wrap ? wrap(port, tenant) : port;
  }
}

/** `logger` with `fields` on every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    log: (level, message, meta) => logger.log(level, message, { ...fields, ...meta }),
    trace: (message, meta) => logger.trace(message, { ...fields, ...meta }),
    debug: (message, meta) => logger.debug(message, { ...fields, ...meta }),
    info: (message, meta) => logger.info(message, { ...fields, ...meta }),
    warn: (message, meta) => logger.warn(message, { ...fields, ...meta }),
    error: (message, meta) => logger.error(message, { ...fields, ...meta }),
  };
}
