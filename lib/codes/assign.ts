import { type Caller, requireSupreme } from '../auth/caller.ts';
import { MetricName, MetricUnit, metrics } from '../observability.ts';
import type { ChangeCount } from './model.ts';
import { markAssigned } from './store.ts';
import { parseCampaignId, parseCodes } from './validation.ts';

export interface AssignInput {
  campaignId: unknown;
  codes: unknown;
}

/** Assigns codes for good; a repeat is a no-op with `updated: 0` (contract §4 route 4). */
export async function assignCodes(
  caller: Caller,
  input: AssignInput,
  now = new Date(),
): Promise<ChangeCount> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const codes = parseCodes(input.codes);
  const updated = await markAssigned(campaignId, codes, now);
  metrics.addMetric(MetricName.CodesAssigned, MetricUnit.Count, updated);
  return { count: { in: codes.length, updated } };
}
