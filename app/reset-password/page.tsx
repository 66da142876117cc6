import type { Metadata } from 'next';
import { passwordLinkView } from '@/lib/server/password-link-view';
import { LinkUnusable } from './link-unusable';
import { SetPasswordForm } from './set-password-form';

/**
 * Where a one-time password link (reset or invitation) lands. Opening it only shows the form:
 * mail scanners and link previews fetch every URL, so a GET must never use the link up. The
 * token is in the URL, so the page is never cached and sends no Referer to any other site
 * (next.config.js sets Referrer-Policy: same-origin for this path, and says why not
 * no-referrer; the meta tag repeats it).
 * A signed-in visitor gets the form too: the link is for its own account, whoever holds it.
 */
export const metadata: Metadata = {
  title: 'Set a password',
  referrer: 'same-origin',
  robots: { index: false, follow: false },
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const { token } = await searchParams;
  const link = await passwordLinkView(typeof token === 'string' ? token : undefined);
  return (
    <main>
      <div className="card narrow">
        {link ? (
          <>
            <h1 data-testid="set-password-title">Set a password for {link.username}</h1>
            <p className="muted">
              {link.purpose === 'invite'
                ? 'Choose a password to finish setting up your account. This link works once.'
                : 'Choose a new password. Everywhere this account is signed in will be signed out. This link works once.'}
            </p>
            <SetPasswordForm token={token as string} username={link.username} />
          </>
        ) : (
          <LinkUnusable />
        )}
      </div>
    </main>
  );
}
