'use client';

import { useEffect, useId, useState } from 'react';
import { utc } from './format';

/**
 * A one-time password link, shown once: only the action's answer carries it (the database
 * keeps its hash). The field selects itself for copying; with JavaScript a button copies it.
 */
export function OneTimeLink({
  url,
  expiresAt,
  username,
}: {
  url: string;
  expiresAt: number;
  username: string;
}) {
  const id = useId();
  const [canCopy, setCanCopy] = useState(false);
  const [copied, setCopied] = useState(false);
  // Only once script runs: without it, a copy button would do nothing.
  useEffect(() => setCanCopy(typeof navigator !== 'undefined' && navigator.clipboard !== undefined), []);

  return (
    <div className="one-time-link" data-testid="one-time-link">
      <label htmlFor={id}>One-time link for {username}</label>
      <input id={id} type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
      <p className="muted">
        Usable once, until {utc(expiresAt)} UTC. It is shown only now: copy it and hand it to {username}{' '}
        privately.
      </p>
      {canCopy ? (
        <button
          type="button"
          className="secondary"
          onClick={() =>
            navigator.clipboard.writeText(url).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy link'}
        </button>
      ) : null}
    </div>
  );
}
