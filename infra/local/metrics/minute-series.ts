import type { Statistic } from '../../dashboard.ts';

export const MINUTE_MS = 60_000;

/** The minute `at` falls in (its start, epoch ms), as CloudWatch buckets a one-minute period. */
export const minuteOf = (at: number): number => Math.floor(at / MINUTE_MS) * MINUTE_MS;

/**
 * Values kept per minute for percentiles. Up to this many, a percentile is exact; beyond it, the
 * minute keeps a uniform random sample of this size (reservoir sampling) and the percentile is
 * the sample's — a bounded approximation. Sum, SampleCount, Average, Minimum and Maximum are
 * always exact.
 */
export const PERCENTILE_SAMPLES = 1000;

interface Minute {
  sum: number;
  count: number;
  min: number;
  max: number;
  samples: number[];
}

const PERCENTILE = /^p(\d+(?:\.\d+)?)$/;

/** Nearest-rank percentile of sorted values: p99 of 1..100 is 99. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * One metric's datapoints aggregated per minute the way CloudWatch aggregates a one-minute period
 * (Sum, SampleCount, Average, Minimum, Maximum, pNN), keeping only the last `retentionMinutes`.
 */
export class MinuteSeries {
  private readonly minutes = new Map<number, Minute>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly retentionMinutes: number,
    /** For the reservoir's choices (tests may pass a fixed one). */
    private readonly random: () => number = Math.random,
  ) {}

  record(value: number, at: number): void {
    if (!Number.isFinite(value)) return;
    const start = minuteOf(at);
    let minute = this.minutes.get(start);
    if (!minute) {
      if (start <= this.newest - this.retentionMinutes * MINUTE_MS) return; // already expired
      minute = { sum: 0, count: 0, min: value, max: value, samples: [] };
      this.minutes.set(start, minute);
      if (start > this.newest) {
        this.newest = start;
        this.expire();
      }
    }
    minute.sum += value;
    minute.count += 1;
    minute.min = Math.min(minute.min, value);
    minute.max = Math.max(minute.max, value);
    if (minute.samples.length < PERCENTILE_SAMPLES) minute.samples.push(value);
    else {
      const slot = Math.floor(this.random() * minute.count);
      if (slot < PERCENTILE_SAMPLES) minute.samples[slot] = value;
    }
  }

  /** The statistic of the minute starting at `start`; null when it holds no datapoint. */
  statistic(start: number, statistic: Statistic): number | null {
    return this.statisticOver(start, 1, statistic);
  }

  /**
   * The statistic of the `minutes` minutes from `start` taken as one period (an alarm's five
   * minutes): the minutes' datapoints together, percentiles from their samples together (as
   * approximate as those samples, see PERCENTILE_SAMPLES); null
   * when no minute of it holds a datapoint.
   */
  statisticOver(start: number, minutes: number, statistic: Statistic): number | null {
    const held: Minute[] = [];
    for (let i = 0; i < minutes; i++) {
      const minute = this.minutes.get(start + i * MINUTE_MS);
      if (minute) held.push(minute);
    }
    if (held.length === 0) return null;
    const sum = held.reduce((total, minute) => total + minute.sum, 0);
    const count = held.reduce((total, minute) => total + minute.count, 0);
    switch (statistic) {
      case 'Sum':
        return sum;
      case 'SampleCount':
        return count;
      case 'Average':
        return sum / count;
      case 'Minimum':
        return Math.min(...held.map((minute) => minute.min));
      case 'Maximum':
        return Math.max(...held.map((minute) => minute.max));
    }
    const p = PERCENTILE.exec(statistic)?.[1];
    if (p === undefined) throw new Error(`Unknown statistic ${statistic}`);
    return percentile(
      held.flatMap((minute) => minute.samples).sort((a, b) => a - b),
      Number(p),
    );
  }

  /** Minutes held (for the memory bound's test). */
  get size(): number {
    return this.minutes.size;
  }

  private expire(): void {
    const oldest = this.newest - (this.retentionMinutes - 1) * MINUTE_MS;
    for (const start of this.minutes.keys()) if (start < oldest) this.minutes.delete(start);
  }
}
