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
  | 'invalidStatuses'
  | 'exportNotFound'
  | 'purgeNotFound';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly kind: ErrorKind = 'invalid',
  ) {
    super(message);
  }
}

export const isServiceError = (error: unknown): error is ServiceError => error instanceof ServiceError;
