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
  /** The authorizer could not verify at all (JWKS unreachable, unexpected error): an outage. */
  AuthorizerFailures: 'AuthorizerFailures',
  /** Events accepted by the service's EventBridge bus (contract §6b). */
  EventsPublished: 'EventsPublished',
  /** Events EventBridge still rejected after the retries: lost unless republished (alarmed). */
  EventsFailed: 'EventsFailed',
  CodesExported: 'CodesExported',
  ExportFailed: 'ExportFailed',
  CodesPurged: 'CodesPurged',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
