import type { SessionDeps, SessionService } from './sessions';

/**
 * Everything a service of the core may be built from, assembled once by createGatehouse: what
 * the sessions service is built from, and the sessions service itself. Services take what they
 * need from it as arguments, so tests freeze the clock and swap the store without any service
 * knowing.
 */
export interface CoreDeps extends SessionDeps {
  readonly sessions: SessionService;
}
