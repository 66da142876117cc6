'use client';

import { useActionState, useEffect, useId, useRef } from 'react';
import { SubmitButton } from '../components/submit-button';
import { twoFactorAction, type TwoFactorForm, type TwoFactorState } from '@/lib/server/two-factor-actions';
import type { TwoFactorStatus } from '@/lib/server/two-factor';
import { grouped, twoFactorErrorText } from './two-factor-messages';
import styles from './two-factor.module.css';

const INITIAL: TwoFactorState = { enrolment: null, recoveryCodes: null, error: null, notice: null };
/** Refusals that mean the password field is wanted, whatever the status said when the page was drawn. */
const WANTS_PASSWORD = new Set(['reauthentication_required', 'invalid_credentials', 'too_many_attempts']);

type Action = (form: FormData) => void;

/**
 * The card's steps, one action state through them all (lib/server/two-factor-actions.ts): off →
 * "Turn on" → the QR code and a code to confirm → the recovery codes, shown once → on, with new
 * codes and "Turn off", each needing a code. Every step is a plain form: it works without
 * JavaScript, the QR code being drawn on the server.
 */
export function TwoFactorPanel({
  status,
  username,
  enabledSince,
}: {
  status: TwoFactorStatus;
  username: string;
  /** When it was turned on, as the page writes times. */
  enabledSince: string | null;
}) {
  const [state, formAction] = useActionState(twoFactorAction, INITIAL);
  const focus = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (state.error) focus.current?.focus();
  }, [state]);

  const errorFor = (form: TwoFactorForm) => (state.error?.form === form ? state.error : null);

  if (state.recoveryCodes) return <RecoveryCodes codes={state.recoveryCodes} />;
  if (state.enrolment && !status.enabled)
    return (
      <Enrol
        action={formAction}
        secret={state.enrolment.secret}
        qrSvg={state.enrolment.qrSvg}
        error={errorFor('confirm')}
        focus={focus}
      />
    );
  if (status.enabled)
    return (
      <>
        <p data-testid="two-factor-status">
          <span className="badge ok">On</span> since {enabledSince}. A code from your authenticator app is
          asked for after your password.
        </p>
        <p className={status.recoveryCodesLeft <= 3 ? 'error' : 'muted'} data-testid="recovery-codes-left">
          {status.recoveryCodesLeft === 0
            ? 'You have no recovery codes left: make new ones.'
            : `${status.recoveryCodesLeft} recovery code${status.recoveryCodesLeft === 1 ? '' : 's'} left.`}
        </p>
        <CodeForm
          action={formAction}
          intent="renew"
          label="New recovery codes"
          pendingLabel="Making new codes…"
          explain="The codes you have now stop working."
          error={errorFor('renew')}
          focus={state.error?.form === 'renew' ? focus : undefined}
        />
        <CodeForm
          action={formAction}
          intent="disable"
          label="Turn off"
          pendingLabel="Turning off…"
          explain="Your password alone will sign you in again."
          variant="danger"
          error={errorFor('disable')}
          focus={state.error?.form === 'disable' ? focus : undefined}
        />
      </>
    );
  return (
    <Off
      action={formAction}
      username={username}
      wantsPassword={status.needsPassword || WANTS_PASSWORD.has(errorFor('begin')?.code ?? '')}
      error={errorFor('begin')}
      notice={state.notice === 'turned_off'}
      focus={focus}
    />
  );
}

function Message({ error, id }: { error: TwoFactorState['error']; id: string }) {
  return (
    <div aria-live="assertive">
      {error ? (
        <p className="error" role="alert" id={id} data-testid="two-factor-error">
          {twoFactorErrorText(error)}
        </p>
      ) : null}
    </div>
  );
}

function Off({
  action,
  username,
  wantsPassword,
  error,
  notice,
  focus,
}: {
  action: Action;
  username: string;
  wantsPassword: boolean;
  error: TwoFactorState['error'];
  notice: boolean;
  focus: React.RefObject<HTMLInputElement | null>;
}) {
  const messageId = useId();
  return (
    <form action={action} className={styles.form}>
      {notice ? (
        <p className="notice" role="status" data-testid="two-factor-notice">
          The authenticator app is turned off. Your password alone signs you in.
        </p>
      ) : null}
      <p className="muted">
        Add a second step to signing in: after your password, a 6-digit code from an app on your phone (Google
        Authenticator, 1Password, Authy, …). Recovery codes get you in if the phone is lost.
      </p>
      <Message error={error} id={messageId} />
      <input type="hidden" name="intent" value="begin" />
      {wantsPassword ? (
        <>
          <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
          <label htmlFor="two-factor-password">Your password</label>
          <input
            id="two-factor-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            ref={focus}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${messageId} two-factor-password-hint` : 'two-factor-password-hint'}
          />
          <p className="muted hint" id="two-factor-password-hint">
            Asked for because you signed in more than 5 minutes ago.
          </p>
        </>
      ) : null}
      <SubmitButton label="Turn on" pendingLabel="Starting…" accessibleName="Turn on the authenticator app" />
    </form>
  );
}

function Enrol({
  action,
  secret,
  qrSvg,
  error,
  focus,
}: {
  action: Action;
  secret: string;
  qrSvg: string;
  error: TwoFactorState['error'];
  focus: React.RefObject<HTMLInputElement | null>;
}) {
  const messageId = useId();
  return (
    <form action={action} className={styles.form}>
      <ol className={styles.steps}>
        <li>
          Scan this QR code with your authenticator app.
          <div
            className={styles.qr}
            role="img"
            aria-label="QR code to add Gatehouse to your authenticator app"
            data-testid="totp-qr"
            // The qrcode library's SVG: rectangles as path data, no script, no links.
            dangerouslySetInnerHTML={{ __html: qrSvg }}
          />
          Or type this key into it:{' '}
          <code className={styles.secret} data-testid="totp-secret">
            {grouped(secret)}
          </code>
        </li>
        <li>
          <label htmlFor="two-factor-confirm-code">Enter the 6-digit code the app shows</label>
          <Message error={error} id={messageId} />
          <input type="hidden" name="intent" value="confirm" />
          <input type="hidden" name="secret" value={secret} />
          <input
            id="two-factor-confirm-code"
            name="code"
            type="text"
            className={styles.short}
            autoComplete="one-time-code"
            inputMode="numeric"
            maxLength={64}
            required
            ref={focus}
            autoFocus
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? messageId : undefined}
          />
        </li>
      </ol>
      <div className="actions">
        <SubmitButton label="Confirm" pendingLabel="Confirming…" accessibleName="Confirm the code" />
        <a href="/account">Cancel</a>
      </div>
    </form>
  );
}

function CodeForm({
  action,
  intent,
  label,
  pendingLabel,
  explain,
  variant,
  error,
  focus,
}: {
  action: Action;
  intent: 'renew' | 'disable';
  label: string;
  pendingLabel: string;
  explain: string;
  variant?: 'danger';
  error: TwoFactorState['error'];
  focus?: React.RefObject<HTMLInputElement | null>;
}) {
  const messageId = useId();
  const fieldId = `two-factor-${intent}-code`;
  return (
    <form action={action} className={styles.form} data-testid={`two-factor-${intent}`}>
      <h3>{label}</h3>
      <Message error={error} id={messageId} />
      <input type="hidden" name="intent" value={intent} />
      <label htmlFor={fieldId}>Code from your app, or a recovery code</label>
      <input
        id={fieldId}
        name="code"
        type="text"
        autoComplete="one-time-code"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
        required
        ref={focus}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${messageId} ${fieldId}-hint` : `${fieldId}-hint`}
      />
      <p className="muted hint" id={`${fieldId}-hint`}>
        {explain}
      </p>
      <SubmitButton label={label} pendingLabel={pendingLabel} className={variant} />
    </form>
  );
}

function RecoveryCodes({ codes }: { codes: readonly string[] }) {
  return (
    <div>
      <p className="notice" role="status">
        The authenticator app is on. Save these recovery codes now: they are shown only this once.
      </p>
      <ol className={styles.codes} data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="muted">
        If you lose your phone, each code signs you in once in place of a code from the app. Keep them in your
        password manager or print them, away from the phone.
      </p>
      <p>
        <a className="button" href="/account">
          I have saved them
        </a>
      </p>
    </div>
  );
}
