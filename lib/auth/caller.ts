import { ServiceError } from '../errors.ts';

/**
 * The verified caller: what the authorizer establishes from a valid token (contract §3) and hands
 * on, through API Gateway's authorizer context, to every operation. The one name for it — the
 * authorizer's answer, the API event and the domain operations all speak of a Caller.
 */
export interface Caller {
  /** The token's `sub`; absent when the token names no subject. */
  sub?: string;
  /** Strictly the claim `isSupreme: true`. */
  isSupreme: boolean;
}

/** Every operation requires a supreme caller, checked before any other validation (contract §3). */
export function requireSupreme(caller: Caller): void {
  if (!caller.isSupreme) {
    throw new ServiceError('supremeUserRequired', 'This operation requires a supreme user', 'unauthorized');
  }
}
