'use client';

import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  WebAuthnAbortService,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { useCallback, useEffect, useRef, useState } from 'react';
import { postJson } from '@/lib/client/post-json';
import { safeNextPath } from '@/lib/edge/safe-redirect';
import { passkeyErrorText } from './passkey-messages';

/**
 * How one ceremony ended: `refused` by the server (or the browser failed), `cancelled` by the
 * person (or timed out), `aborted` because another ceremony (or leaving the page) took over.
 */
type Outcome = 'signed-in' | 'refused' | 'cancelled' | 'aborted' | 'off';

const OPTIONS = '/api/auth/passkeys/login/options';
const VERIFY = '/api/auth/passkeys/login';

/**
 * "Use a passkey" (not "Sign in with…": the suite and people find the password form's button by
 * the name "Sign in"), and passkeys offered in the username field's autofill (conditional
 * mediation) where the browser can. Rendered only once script runs in a browser with WebAuthn,
 * so without JavaScript the page is the password form alone, as before. The API sets the
 * session cookies; the page then goes to `next` (checked again here: a local path only).
 *
 * One ceremony at a time (the library aborts the one before): the autofill request waits in
 * the background, the button replaces it with a modal one, and autofill starts again when the
 * person cancels that. Never after a refusal: a browser that answers autofill by itself (a
 * virtual authenticator does) would otherwise loop on a passkey the server refuses.
 */
export function PasskeySignIn({ next }: { next: string }) {
  const [supported, setSupported] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(false);

  const fail = useCallback((code: string, retryAfter: number | null = null): Outcome => {
    if (code === 'passkeys_not_configured') {
      setSupported(false);
      return 'off';
    }
    if (live.current) setError(passkeyErrorText(code, retryAfter));
    return code === 'cancelled' ? 'cancelled' : 'refused';
  }, []);

  /** Options, the authenticator, the server's verdict. */
  const ceremony = useCallback(
    async (autofill: boolean): Promise<Outcome> => {
      const options = await postJson(OPTIONS);
      if (!options.ok)
        return autofill && options.error !== 'passkeys_not_configured' ? 'aborted' : fail(options.error);
      let response: AuthenticationResponseJSON;
      try {
        response = await startAuthentication({
          optionsJSON: options.data as PublicKeyCredentialRequestOptionsJSON,
          useBrowserAutofill: autofill,
        });
      } catch (e) {
        const name = (e as { cause?: { name?: string } }).cause?.name ?? (e as Error).name;
        // Replaced by another ceremony, or the page is going: nothing to say.
        if ((e as { code?: string }).code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError')
          return 'aborted';
        // An autofill request that cannot run (no suitable field, say) just does not offer passkeys.
        if (autofill) return 'aborted';
        return fail(name === 'NotAllowedError' ? 'cancelled' : 'unknown');
      }
      setBusy(true);
      setError(null);
      const verdict = await postJson(VERIFY, { response });
      if (verdict.ok) {
        window.location.assign(safeNextPath(next));
        return 'signed-in';
      }
      setBusy(false);
      return fail(verdict.error, verdict.retryAfter);
    },
    [fail, next],
  );

  /** Passkeys offered in the username field's autofill, where the browser can. */
  const offerInAutofill = useCallback(async () => {
    if (live.current && (await browserSupportsWebAuthnAutofill())) await ceremony(true);
  }, [ceremony]);

  useEffect(() => {
    if (!browserSupportsWebAuthn()) return;
    live.current = true;
    setSupported(true);
    void offerInAutofill();
    return () => {
      live.current = false;
      WebAuthnAbortService.cancelCeremony();
    };
  }, [offerInAutofill]);

  async function onClick() {
    setError(null);
    setBusy(true);
    const outcome = await ceremony(false);
    if (outcome === 'signed-in') return;
    setBusy(false);
    if (outcome === 'cancelled') void offerInAutofill();
  }

  if (!supported) return null;
  return (
    <div className="passkey-sign-in">
      <div aria-live="assertive">
        {error ? (
          <p className="error" role="alert" data-testid="passkey-error">
            {error}
          </p>
        ) : null}
      </div>
      <button
        type="button"
        className="secondary"
        onClick={onClick}
        disabled={busy}
        aria-busy={busy || undefined}
      >
        {busy ? 'Waiting for the passkey…' : 'Use a passkey'}
      </button>
    </div>
  );
}
