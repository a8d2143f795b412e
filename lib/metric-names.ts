/**
 * Metric names of contract §6 (namespace CodeService). Kept free of runtime imports so the CDK
 * dashboard can read the same list the functions emit.
 */
export const MetricName = {
  CodesImported: 'CodesImported',
  CodesInserted: 'CodesInserted',
  CodesUpdated: 'CodesUpdated',
  CodesRejected: 'CodesRejected',
  ImportDuration: 'ImportDuration',
  ImportFailed: 'ImportFailed',
  CodesReserved: 'CodesReserved',
  ReserveShortfall: 'ReserveShortfall',
  CodesAssigned: 'CodesAssigned',
  CodesReleased: 'CodesReleased',
  CodesExported: 'CodesExported',
  ExportFailed: 'ExportFailed',
  CodesPurged: 'CodesPurged',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
