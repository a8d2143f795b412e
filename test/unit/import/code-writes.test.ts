import { describe, expect, it } from 'vitest';
import { slicesOf } from '../../../lib/import/code-writes.ts';

describe('slicesOf', () => {
  const codes = (n: number, length: number) =>
    Array.from({ length: n }, (_, i) => String(i).padStart(length, 'x'));

  it('keeps a batch of typical codes in one slice, the same array', () => {
    const batch = codes(5000, 15);
    const slices = [...slicesOf('camp', batch)];
    expect(slices).toHaveLength(1);
    expect(slices[0]).toBe(batch);
  });

  it('cuts a batch so no slice exceeds the budget, keeping every code once and in order', () => {
    // 3 × (4 + 256) + 96 = 876 bytes per code: 10 per 8 760-byte budget.
    const batch = codes(95, 256);
    const slices = [...slicesOf('camp', batch, 8760)];
    expect(slices.map((slice) => slice.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(slices.flat()).toEqual(batch);
  });

  it('still sends a code larger than the budget, alone', () => {
    expect([...slicesOf('camp', codes(2, 256), 100)].map((slice) => slice.length)).toEqual([1, 1]);
    expect([...slicesOf('camp', [], 100)]).toEqual([]);
  });

  it('bounds a full batch of the longest codes far below the 16 MiB command limit', () => {
    const campaignId = 'c'.repeat(256);
    const slices = [...slicesOf(campaignId, codes(50_000, 256))];
    expect(slices.length).toBeGreaterThan(1);
    for (const slice of slices) {
      const bytes = slice.reduce((sum, code) => sum + Buffer.byteLength(code) + campaignId.length + 96, 0);
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    }
  });
});
