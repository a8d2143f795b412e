/**
 * The service's errors, modelled once. Domain code throws ServiceError with a contract error code and a
 * kind; lib/http/errors.ts is the one place that maps a kind to an HTTP status.
 */
export type ErrorKind = 'invalid' | 'unauthorized' | 'notFound';

export type ErrorCode =
  | 'supremeUserRequired'
  | 'invalidFileKey'
  | 'invalidType'
  | 'missingType'
  | 'invalidStatus'
  | 'missingCodeReserveParams'
  | 'invalidCount'
  | 'invalidReserveId'
  | 'missingCodes'
  | 'invalidCodesProp'
  | 'emptyCodes'
  | 'tooManyCodes'
  | 'invalidCampaignId'
  | 'fileNotFound'
  | 'importNotFound'
  | 'invalidLimit'
  | 'invalidCursor'
  | 'invalidThreshold'
  | 'invalidStatuses'
  | 'exportNotFound'
  | 'purgeNotFound';

/**
 * The kind of each contract code (contract §4's table): what a ServiceError with that code is by
 * default, and what the OpenAPI document lists under each status. Every code must have a row.
 */
export const ERROR_KINDS: Record<ErrorCode, ErrorKind> = {
  supremeUserRequired: 'unauthorized',
  invalidFileKey: 'invalid',
  invalidType: 'invalid',
  missingType: 'invalid',
  invalidStatus: 'invalid',
  missingCodeReserveParams: 'invalid',
  invalidCount: 'invalid',
  invalidReserveId: 'invalid',
  missingCodes: 'invalid',
  invalidCodesProp: 'invalid',
  emptyCodes: 'invalid',
  tooManyCodes: 'invalid',
  invalidCampaignId: 'invalid',
  fileNotFound: 'notFound',
  importNotFound: 'notFound',
  invalidLimit: 'invalid',
  invalidCursor: 'invalid',
  invalidThreshold: 'invalid',
  invalidStatuses: 'invalid',
  exportNotFound: 'notFound',
  purgeNotFound: 'notFound',
};

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly kind: ErrorKind = ERROR_KINDS[code],
  ) {
    super(message);
  }
}

export const isServiceError = (error: unknown): error is ServiceError => error instanceof ServiceError;
