'use client';

import { useEffect, useState } from 'react';

/** Seconds left until `expiresAt` (ms since the epoch), ticking once a second. */
export function Countdown({ expiresAt }: { expiresAt: number }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const at = new Date(expiresAt);
  if (now === null) return <time dateTime={at.toISOString()}>{at.toISOString().slice(11, 19)} UTC</time>;
  const left = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return (
    <time dateTime={at.toISOString()} data-testid="access-countdown">
      {left > 0 ? `in ${formatSeconds(left)}` : 'expired — the next request refreshes it'}
    </time>
  );
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}
