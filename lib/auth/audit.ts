import type { Clock } from '../edge/clock';
import type { RequestMeta } from './sessions';
import type { AuthEventType, Store } from './store';

/** Records one audit event for a request, stamped by the core's clock (the tests' frozen one). */
export type RecordEvent = (
  type: AuthEventType,
  meta: RequestMeta,
  userId: string | null,
  sessionId: string | null,
  detail: string,
) => Promise<void>;

/** The recorder the account, passkey and two-factor services share. */
export function eventRecorder(store: Store, clock: Clock): RecordEvent {
  return (type, meta, userId, sessionId, detail) =>
    store.recordEvent({
      at: clock(),
      type,
      userId,
      sessionId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail,
    });
}
