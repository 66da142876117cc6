'use client';

import { useRouter } from 'next/navigation';
import { createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import type { SessionValue } from './session-data';

export type { SessionData, SessionStatus, SessionValue } from './session-data';

const SessionContext = createContext<SessionValue | null>(null);

/**
 * Tabs of one browser share the cookies, so they share the session; this channel lets them
 * agree on it at once instead of at their next navigation. Messages carry only the session id
 * (or null): a receiver compares it with what it rendered and refreshes when they differ.
 */
const CHANNEL = 'gatehouse-session';

interface SessionMessage {
  readonly session: string | null;
}

function isSessionMessage(data: unknown): data is SessionMessage {
  if (typeof data !== 'object' || data === null || !('session' in data)) return false;
  const { session } = data as { session: unknown };
  return session === null || typeof session === 'string';
}

/** Which session a value is: its id, null when signed out, undefined when nobody knows. */
function identity(value: SessionValue): string | null | undefined {
  if (value.status === 'unavailable') return undefined;
  return value.data?.session.id ?? null;
}

/**
 * Gives client components the session the root layout rendered with, and keeps the tabs of
 * one browser in step: when this tab sees the session change (a sign-in or sign-out re-renders
 * the layout), it tells the others, which refresh from the server. Refreshing — rather than
 * trusting the message — means a protected page goes through the middleware and the page's
 * own check, which send a signed-out tab to /login.
 */
export function SessionProvider({ value, children }: { value: SessionValue; children: ReactNode }) {
  const router = useRouter();
  const key = identity(value);
  // The identity this tab last rendered, and the one another tab told it about (not echoed back).
  const rendered = useRef(key);
  const told = useRef<string | null | undefined>(undefined);
  const channel = useRef<BroadcastChannel | null>(null);

  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return; // the tab still learns at its next request
    const ch = new BroadcastChannel(CHANNEL);
    channel.current = ch;
    ch.onmessage = (event: MessageEvent<unknown>) => {
      if (!isSessionMessage(event.data) || event.data.session === rendered.current) return;
      told.current = event.data.session;
      router.refresh();
    };
    return () => {
      ch.close();
      channel.current = null;
    };
  }, [router]);

  useEffect(() => {
    // Unknown (the token endpoint is down) is not a change; keep the last identity known.
    if (key === undefined) return;
    const previous = rendered.current;
    const echo = told.current === key;
    rendered.current = key;
    told.current = undefined;
    // Only a real change is announced: never the first render, and never a change this tab
    // made because another tab announced it (that tab, and the others, already know).
    if (previous === undefined || previous === key || echo) return;
    channel.current?.postMessage({ session: key } satisfies SessionMessage);
  }, [key]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/**
 * The session as the root layout saw it, without a request: `{ status, data }`, where data is
 * `{ user, session }` when signed in. For display only — the server decides who may do what.
 */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession() needs <SessionProvider> (app/layout.tsx) above it');
  return value;
}
