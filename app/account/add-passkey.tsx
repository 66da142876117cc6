'use client';

import {
  browserSupportsWebAuthn,
  startRegistration,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { beginAddingPasskey, finishAddingPasskey, type PasskeyError } from '@/lib/server/passkey-actions';
import { passkeyErrorText } from './passkey-messages';

/** Refusals that are about the password: the field is shown (or stays) and gets the cursor. */
const PASSWORD_CODES = new Set(['reauthentication_required', 'invalid_credentials', 'too_many_attempts']);

/**
 * "Add a passkey": asks the server for options (after a sign-in younger than five minutes, or
 * with the password, which this form asks for when the server says so), lets the browser make
 * the passkey, and hands its answer back with the name chosen. Needs JavaScript and WebAuthn;
 * without them it says so, and the rest of the card works as it is.
 */
export function AddPasskey() {
  const [supported, setSupported] = useState<boolean | null>(null);
  const [needsPassword, setNeedsPassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PasskeyError | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const name = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), password: useId(), message: useId() };

  useEffect(() => setSupported(browserSupportsWebAuthn()), []);
  useEffect(() => {
    if (error && PASSWORD_CODES.has(error.code)) password.current?.focus();
  }, [error, needsPassword]);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const outcome = await addPasskey(
        name.current?.value ?? '',
        needsPassword ? password.current?.value : undefined,
      );
      if (outcome.ok) {
        setAdded(outcome.name);
        setNeedsPassword(false);
        if (name.current) name.current.value = '';
      } else {
        if (PASSWORD_CODES.has(outcome.error.code)) setNeedsPassword(true);
        setError(outcome.error);
      }
    } finally {
      if (password.current) password.current.value = '';
      setBusy(false);
    }
  }

  if (supported === null) {
    return <p className="muted hint">Adding a passkey needs JavaScript.</p>;
  }
  if (!supported) {
    return <p className="muted hint">This browser cannot make passkeys. Try another one, or your phone.</p>;
  }
  const aboutPassword = error ? PASSWORD_CODES.has(error.code) : false;
  return (
    <form className="password add-passkey" onSubmit={add} noValidate>
      <h3>Add a passkey</h3>
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" id={ids.message} data-testid="add-passkey-error">
            {passkeyErrorText(error)}
          </p>
        ) : added ? (
          <p className="notice" role="status" data-testid="add-passkey-notice">
            Passkey “{added}” added. You can sign in with it from now on.
          </p>
        ) : null}
      </div>
      <label htmlFor={ids.name}>Name (optional)</label>
      <input
        id={ids.name}
        ref={name}
        name="passkey-name"
        type="text"
        maxLength={64}
        autoComplete="off"
        placeholder="Work laptop, phone, security key…"
        aria-describedby={`${ids.name}-hint`}
        aria-invalid={error?.code === 'invalid_name' || undefined}
      />
      <p className="muted hint" id={`${ids.name}-hint`}>
        So you can tell your passkeys apart. Without one, it is named after this browser.
      </p>
      {needsPassword ? (
        <>
          <label htmlFor={ids.password}>Your password</label>
          <input
            id={ids.password}
            ref={password}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={aboutPassword || undefined}
            aria-describedby={aboutPassword ? ids.message : undefined}
          />
        </>
      ) : null}
      <button type="submit" disabled={busy} aria-busy={busy || undefined}>
        {busy ? 'Adding a passkey…' : 'Add a passkey'}
      </button>
    </form>
  );
}

type Added =
  { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: PasskeyError };

/** The ceremony: options from the server, the browser's new passkey, the server's verdict. */
async function addPasskey(name: string, password: string | undefined): Promise<Added> {
  const begun = await beginAddingPasskey(password);
  if (!begun.ok) return begun;
  let response: RegistrationResponseJSON;
  try {
    response = await startRegistration({ optionsJSON: begun.value });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const cause = (e as { cause?: { name?: string } }).cause?.name ?? (e as Error).name;
    if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return refused('registered_here');
    return refused(cause === 'NotAllowedError' || cause === 'AbortError' ? 'cancelled' : 'unknown');
  }
  const finished = await finishAddingPasskey(response, name);
  return finished.ok ? { ok: true, name: finished.value.name } : finished;
}

const refused = (code: string): Added => ({ ok: false, error: { code } });
