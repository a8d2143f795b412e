import { describe, expect, it } from 'vitest';
import { deepestLevel, ladder, nextAlertState } from '../../../lib/pools/model.ts';

describe('the low-stock ladder (contract §6b)', () => {
  it('is T, T/2, T/4, T/8 by integer division, repeats dropped, then 0', () => {
    expect(ladder(10)).toEqual([10, 5, 2, 1, 0]);
    expect(ladder(1000)).toEqual([1000, 500, 250, 125, 0]);
    expect(ladder(3)).toEqual([3, 1, 0]);
    expect(ladder(1)).toEqual([1, 0]);
    expect(ladder(0)).toEqual([0]);
  });

  it('finds the deepest level a count has reached', () => {
    expect(deepestLevel(10, 11)).toBeNull();
    expect(deepestLevel(10, 10)).toBe(10);
    expect(deepestLevel(10, 9)).toBe(10);
    expect(deepestLevel(10, 5)).toBe(5);
    expect(deepestLevel(10, 3)).toBe(5);
    expect(deepestLevel(10, 2)).toBe(2);
    expect(deepestLevel(10, 1)).toBe(1);
    expect(deepestLevel(10, 0)).toBe(0);
  });

  it('publishes only a level deeper than the one alerted, and re-arms levels below the count', () => {
    expect(nextAlertState(10, null, 30)).toEqual({ alertedLevel: null, publish: false });
    expect(nextAlertState(10, null, 9)).toEqual({ alertedLevel: 10, publish: true });
    expect(nextAlertState(10, 10, 7)).toEqual({ alertedLevel: 10, publish: false });
    // Several levels at once: one alert, the deepest.
    expect(nextAlertState(10, 10, 1)).toEqual({ alertedLevel: 1, publish: true });
    // Rising: the levels below the count re-arm, without an event.
    expect(nextAlertState(10, 0, 4)).toEqual({ alertedLevel: 5, publish: false });
    expect(nextAlertState(10, 5, 2)).toEqual({ alertedLevel: 2, publish: true });
    expect(nextAlertState(10, 1, 11)).toEqual({ alertedLevel: null, publish: false });
  });
});
