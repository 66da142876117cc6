'use client';

import './globals.css';

/**
 * The last resort, when the root layout itself failed: it replaces the layout, so it brings
 * its own document, title and styles, and no header (that is what broke).
 */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return (
    <html lang="en">
      <body>
        <title>Something went wrong · Gatehouse</title>
        <main>
          <div className="card" role="alert" data-testid="global-error">
            <h1>Something went wrong</h1>
            <p>Gatehouse could not show this page. Please try again in a moment.</p>
            {typeof digest === 'string' ? (
              <p className="muted">
                Reference: <code>{digest}</code>
              </p>
            ) : null}
            <p className="actions">
              <button type="button" onClick={retry}>
                Try again
              </button>
              <a href="/">Go to the home page</a>
            </p>
          </div>
        </main>
      </body>
    </html>
  );
}
