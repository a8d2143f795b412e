import { randomInt, randomUUID } from 'node:crypto';
import { type Caller, requireSupreme } from '../auth/caller.ts';
import { ServiceError } from '../errors.ts';
import { logger, MetricName, MetricUnit, metrics } from '../observability.ts';
import type { PoolScope } from './model.ts';
import { claimReserveId, findAvailable, findHeld, markReservedIfAvailable } from './store.ts';
import { isPresent, parseCampaignId, parseCount, parseOptionalReserveId, parseType } from './validation.ts';

export interface ReserveInput {
  campaignId: unknown;
  count: unknown;
  type: unknown;
  reserveId?: unknown;
}

export interface Reservation {
  reserveId: string;
  codes: string[];
}

/**
 * Concurrent reservations start reading the pool at a random offset within this many candidates
 * per code requested, so they rarely reach for the same codes. Skipping is cheap (index keys).
 */
const SPREAD_PER_CODE = 512;
const MAX_SPREAD = 10_000;
/** When the pool turns out smaller than the offset, at most this many codes are read to pick from. */
const SMALL_POOL_WINDOW = 2_000;

/**
 * The limits of one reservation. Only tests pass others: they reach the round bound and the end of
 * a retry's wait without racing or sleeping for it.
 */
export interface ReserveLimits {
  /** A bound on rounds, far above what contention needs: each round either wins codes or sees others win. */
  maxRounds: number;
  /** How long a retry waits for the codes of a concurrent first request under the same reserveId. */
  replayWaitMs: number;
  replayPollMs: number;
}

export const RESERVE_LIMITS: ReserveLimits = { maxRounds: 64, replayWaitMs: 2_000, replayPollMs: 100 };

const generateReserveId = (): string => randomUUID();

/** `n` distinct items drawn at random (partial Fisher-Yates). */
function pickRandom<T>(items: T[], n: number): T[] {
  const pool = [...items];
  const count = Math.min(n, pool.length);
  // Stryker disable next-line ConditionalExpression,BlockStatement: spreading only (see drawCandidates); unshuffled picks reserve correctly too
  for (let i = 0; i < count; i++) {
    const j = randomInt(i, pool.length);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/**
 * Reads `need` available codes starting at a random offset. When the offset overshoots the end of
 * the pool, the pool is small: its first codes (up to a window, and never fewer than `need`) are
 * read and `need` of them picked at random, so small pools are spread as well as large ones.
 */
async function drawCandidates(scope: PoolScope, need: number, now: Date): Promise<string[]> {
  // The offset and window only spread callers (test/bench/reserve.bench.ts measures that): any
  // offset, window or path reserves correctly, so their mutants are equivalent for the tests.
  // Stryker disable next-line ArithmeticOperator,MethodExpression: spread tuning, see above
  const skip = randomInt(0, Math.min(need * SPREAD_PER_CODE, MAX_SPREAD) + 1);
  const candidates = await findAvailable(scope, now, need, skip);
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: spread tuning, see above
  if (candidates.length === need || skip === 0) return candidates;
  // Stryker disable next-line ArithmeticOperator,MethodExpression: spread tuning, see above
  const window = await findAvailable(scope, now, Math.max(need, Math.min(skip + need, SMALL_POOL_WINDOW)), 0);
  return pickRandom(window, need);
}

/**
 * Tops a reservation up until it holds `count` codes or the pool is exhausted. Each code is won by
 * a conditional update that re-checks availability per document, so no code can ever go to two
 * reservations; losing a race only costs another round.
 */
async function fill(
  scope: PoolScope,
  reserveId: string,
  count: number,
  now: Date,
  maxRounds: number,
): Promise<string[]> {
  let held: string[] = [];
  for (let round = 0; held.length < count; round++) {
    if (round === maxRounds) {
      logger.warn('Reservation stopped after too many contended rounds', {
        reserveId,
        held: held.length,
        count,
      });
      break;
    }
    const candidates = await drawCandidates(scope, count - held.length, now);
    if (candidates.length === 0) break; // the pool is exhausted
    const won = await markReservedIfAvailable(scope, candidates, reserveId, now);
    // All won: we know exactly which codes we hold. Otherwise read back what this reservation holds.
    held = won === candidates.length ? held.concat(candidates) : await findHeld(scope, reserveId, now);
  }
  // Never more than asked, even if a concurrent request under the same id reserved too.
  return held.slice(0, count);
}

/**
 * Safe retries (contract §4): the first request with a client reserveId claims it for the pool; a
 * repeat — after the first answered, or racing it — returns the codes held under that id instead
 * of reserving more. Returns undefined when this request should reserve: it holds the claim, or
 * the earlier request reserved nothing (empty pool, or it died first) within the wait.
 */
async function replayOf(
  scope: PoolScope,
  reserveId: string,
  now: Date,
  limits: ReserveLimits,
): Promise<string[] | undefined> {
  if (await claimReserveId(scope, reserveId, now)) return undefined;
  const until = Date.now() + limits.replayWaitMs;
  for (;;) {
    const held = await findHeld(scope, reserveId, now);
    if (held.length > 0) return held;
    // Stryker disable next-line EqualityOperator: one millisecond more or less of waiting
    if (Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, limits.replayPollMs));
  }
}

export async function reserveCodes(
  caller: Caller,
  input: ReserveInput,
  now = new Date(),
  limits = RESERVE_LIMITS,
): Promise<Reservation> {
  requireSupreme(caller);
  const campaignId = parseCampaignId(input.campaignId);
  if (!isPresent(input.count) || !isPresent(input.type)) {
    throw new ServiceError('missingCodeReserveParams', 'count and type are required');
  }
  const count = parseCount(input.count);
  const scope: PoolScope = { campaignId, type: parseType(input.type) };
  const clientReserveId = parseOptionalReserveId(input.reserveId);

  if (clientReserveId !== undefined) {
    const held = await replayOf(scope, clientReserveId, now, limits);
    if (held) return { reserveId: clientReserveId, codes: held.slice(0, count) };
  }
  const reserveId = clientReserveId ?? generateReserveId();
  const codes = await fill(scope, reserveId, count, now, limits.maxRounds);

  metrics.addMetric(MetricName.CodesReserved, MetricUnit.Count, codes.length);
  metrics.addMetric(MetricName.ReserveShortfall, MetricUnit.Count, count - codes.length);
  logger.info('Codes reserved', {
    campaignId,
    type: scope.type,
    reserveId,
    requested: count,
    granted: codes.length,
  });
  return { reserveId, codes };
}
