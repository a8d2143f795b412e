import { describe, expect, it } from 'vitest';
import { type Batch, BatchQueue, distinctCodes, newBatch } from '../../../lib/import/batches.ts';

const filled = (codes: string[]): Batch => {
  const batch = newBatch(1, 0, 10);
  for (const code of codes) batch.codes[batch.accepted++] = code;
  return batch;
};

describe('newBatch', () => {
  it('starts empty, at the position it was opened at', () => {
    expect(newBatch(2, 10, 5)).toEqual({
      index: 2,
      fromRow: 10,
      toRow: 10,
      toLine: 0,
      toByte: 0,
      accepted: 0,
      codes: new Array(5),
      rejected: 0,
      skipped: 0,
      rejects: [],
    });
  });
});

describe('distinctCodes', () => {
  it('keeps one of each code, sorted', () => {
    expect(distinctCodes(filled(['B', 'A', 'B', 'C', 'A', 'B']))).toEqual(['A', 'B', 'C']);
    expect(distinctCodes(filled(['only']))).toEqual(['only']);
    expect(distinctCodes(filled([]))).toEqual([]);
  });

  it('tells apart codes that differ only in case or by a space', () => {
    expect(distinctCodes(filled(['a', 'A', 'a ', 'a']))).toEqual(['A', 'a', 'a ']);
  });
});

describe('BatchQueue', () => {
  it('writes batches one at a time, in submission order', async () => {
    const events: string[] = [];
    const queue = new BatchQueue(async (batch) => {
      events.push(`start ${batch.index}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${batch.index}`);
    }, 2);
    for (const index of [1, 2, 3]) queue.submit(newBatch(index, 0, 1));
    await queue.drain();
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('makes the producer wait while `limit` batches are pending', async () => {
    const release: (() => void)[] = [];
    const queue = new BatchQueue(() => new Promise<void>((resolve) => release.push(resolve)), 2);
    queue.submit(newBatch(1, 0, 1));
    await queue.waitForRoom(); // one pending: room
    queue.submit(newBatch(2, 0, 1));
    let roomy = false;
    const waiting = queue.waitForRoom().then(() => {
      roomy = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(roomy).toBe(false);
    release.shift()!();
    await waiting;
    expect(roomy).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    release.shift()!();
    await queue.drain();
  });

  it('stops after the first failure and reports it', async () => {
    const written: number[] = [];
    const queue = new BatchQueue(async (batch) => {
      if (batch.index === 2) throw new Error('database down');
      written.push(batch.index);
    }, 5);
    for (const index of [1, 2, 3]) queue.submit(newBatch(index, 0, 1));
    await expect(queue.drain()).rejects.toThrow('database down');
    await expect(queue.waitForRoom()).rejects.toThrow('database down');
    expect(written).toEqual([1]);
  });
});
