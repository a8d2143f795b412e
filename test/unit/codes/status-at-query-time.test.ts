import { describe, expect, it } from 'vitest';
import { RESERVATION_TTL_MS } from '../../../lib/codes/model.ts';
import { statusOf } from '../../../lib/codes/status-filters.ts';
import { codeView } from '../../../lib/codes/view.ts';

/** A code's status from its dates at a given instant (contract §2), as route 8 and the export show it. */
const now = new Date('2030-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const saved = ago(10 * RESERVATION_TTL_MS);

describe('statusOf', () => {
  it('is available when never reserved, reserved for exactly 24 h, then available again', () => {
    expect(statusOf({ saved }, now)).toBe('available');
    expect(statusOf({ saved, reserved: ago(RESERVATION_TTL_MS - 1) }, now)).toBe('reserved');
    // The same boundary as the filters: reserved at the cutoff itself has expired.
    expect(statusOf({ saved, reserved: ago(RESERVATION_TTL_MS) }, now)).toBe('available');
  });

  it('is assigned once assigned, whatever the reservation says', () => {
    expect(statusOf({ saved, reserved: ago(1), assigned: ago(1) }, now)).toBe('assigned');
  });
});

describe('codeView', () => {
  const doc = (date: { reserved?: Date; assigned?: Date }) => ({
    _id: { campaign_id: 'c', code: 'X' },
    type: 'tm' as const,
    reserveId: 'hold',
    date: { saved, ...date },
  });

  it('shows the reserveId and reservedUntil only while the code is reserved', () => {
    expect(codeView(doc({ reserved: ago(1000) }), now)).toMatchObject({
      status: 'reserved',
      reserveId: 'hold',
      reservedUntil: new Date(ago(1000).getTime() + RESERVATION_TTL_MS).toISOString(),
    });
    for (const history of [
      { reserved: ago(RESERVATION_TTL_MS) },
      { reserved: ago(1000), assigned: ago(10) },
    ]) {
      const view = codeView(doc(history), now);
      expect(view).not.toHaveProperty('reserveId');
      expect(view).not.toHaveProperty('reservedUntil');
    }
  });
});
