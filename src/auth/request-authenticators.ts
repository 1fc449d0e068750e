import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import type { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { AuthenticationService } from './authentication.service.js';

/** What the strategies check a request with: the services of the application the request reached. */
export interface RequestAuthenticators {
  tokens: AccessTokenVerifier;
  authentication: AuthenticationService;
  apiKeys: ApiKeysService;
}

const AUTHENTICATORS = Symbol('authenticators');

type CarryingRequest = { [AUTHENTICATORS]?: RequestAuthenticators };

/**
 * Passport keeps one registry of strategies per process: with several applications in one process
 * (two instances in a test), every request would be checked by the services of the last one
 * created. The guard hands its own application's services to the strategies on the request.
 */
export function attachAuthenticators(request: object, authenticators: RequestAuthenticators): void {
  (request as CarryingRequest)[AUTHENTICATORS] = authenticators;
}

export function authenticatorsOf(request: object): RequestAuthenticators {
  const authenticators = (request as CarryingRequest)[AUTHENTICATORS];
  if (!authenticators) throw new Error('JwtAuthGuard attaches the authenticators before Passport runs');
  return authenticators;
}
