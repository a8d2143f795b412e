import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import { matchesFilter, nextSequencer, type ObjectCreated, s3Event } from '../../../infra/local/s3/event.ts';

const object: ObjectCreated = {
  eventName: 'ObjectCreated:Put',
  bucket: 'code-service-local',
  key: 'codes/camp 1/tm/batch (1).csv',
  size: 1234,
  eTag: '"0123456789abcdef0123456789abcdef"',
  sourceIp: '127.0.0.1',
  time: new Date('2026-11-21T22:09:00.123Z'),
};
const settings = { region: 'eu-west-1', configurationId: 'codes-csv-import' };

describe('local S3 event notifications', () => {
  it('builds a record the Powertools S3 schema accepts, shaped like AWS', () => {
    const event = s3Event(object, settings);
    const parsed = S3Schema.parse(event);
    expect(parsed.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-21T22:09:00.123Z',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'codes-csv-import',
        bucket: { name: 'code-service-local', arn: 'arn:aws:s3:::code-service-local' },
        object: {
          key: 'codes/camp+1/tm/batch+%281%29.csv',
          size: 1234,
          eTag: '0123456789abcdef0123456789abcdef',
        },
      },
    });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{18}$/);
    expect(record.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(record.s3.object).not.toHaveProperty('versionId');
  });

  it('issues strictly increasing sequencers, even within one millisecond', () => {
    const now = Date.now();
    const sequencers = [
      nextSequencer(now),
      nextSequencer(now),
      nextSequencer(now - 5),
      nextSequencer(now + 1),
    ];
    const sorted = [...sequencers].sort();
    expect(sorted).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(4);
  });

  it('filters keys by prefix and suffix, case-sensitively', () => {
    const filter = { prefix: 'codes/', suffix: '.csv' };
    expect(matchesFilter('codes/c1/tm/a.csv', filter)).toBe(true);
    expect(matchesFilter('codes/c1/tm/with space.csv', filter)).toBe(true);
    expect(matchesFilter('codes/c1/tm/a.CSV', filter)).toBe(false);
    expect(matchesFilter('other/c1/tm/a.csv', filter)).toBe(false);
    expect(matchesFilter('Codes/c1/tm/a.csv', filter)).toBe(false);
    expect(matchesFilter('codes/c1/tm/a.csv.bak', filter)).toBe(false);
  });
});
