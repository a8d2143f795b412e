import { eventHandler } from '../lib/lambda-handler.ts';
import { type SweepResult, sweepPools } from '../lib/pools/sweep.ts';

/**
 * The low-stock sweep (contract §6b): every minute from an EventBridge schedule (locally every
 * POOL_SWEEP_MS). The schedule's event carries nothing the sweep needs.
 */
export const handler = eventHandler<unknown, SweepResult>(() => sweepPools());
