import { type Caller, requireSupreme } from '../auth/caller.ts';
import { ServiceError } from '../errors.ts';
import { MetricName, MetricUnit, metrics } from '../observability.ts';
import type { ChangeCount } from './model.ts';
import { clearReservations, clearReservationsOf } from './store.ts';
import { isPresent, parseCampaignId, parseCodes, parseReserveId } from './validation.ts';

export interface ReleaseInput {
  campaignId: unknown;
  codes?: unknown;
  reserveId?: unknown;
}

/**
 * Returns reserved codes to the pool, either the listed ones or all a reservation holds. With both
 * given, only the listed codes held by that reservation are released.
 */
export async function releaseCodes(
  caller: Caller,
  input: ReleaseInput,
  now = new Date(),
): Promise<ChangeCount> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  const hasCodes = isPresent(input.codes);
  if (!hasCodes && !isPresent(input.reserveId)) {
    throw new ServiceError('missingCodes', 'codes or reserveId is required');
  }
  const reserveId = isPresent(input.reserveId) ? parseReserveId(input.reserveId) : undefined;
  let result: ChangeCount['count'];
  if (hasCodes) {
    const codes = parseCodes(input.codes);
    result = { in: codes.length, updated: await clearReservations(campaignId, codes, now, reserveId) };
  } else {
    const updated = await clearReservationsOf(campaignId, reserveId!, now);
    result = { in: updated, updated };
  }
  metrics.addMetric(MetricName.CodesReleased, MetricUnit.Count, result.updated);
  return { count: result };
}
