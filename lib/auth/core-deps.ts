import type { Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import type { Keyring } from '../edge/keys';
import type { RandomBytes } from '../edge/random';
import type { PasswordHasher } from './passwords';
import type { SessionService } from './sessions';
import type { Store } from './store';
import type { Throttle } from './throttle';

/**
 * Everything a service of the core may be built from, assembled once by createGatehouse:
 * services take what they need from it as arguments, so tests freeze the clock and swap the
 * store without any service knowing.
 */
export interface CoreDeps {
  readonly config: AuthConfig;
  readonly keyring: Keyring;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly throttle: Throttle;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly sessions: SessionService;
}
