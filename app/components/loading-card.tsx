/**
 * What loading.tsx shows while a page's data is on its way: the page's name, so a slow
 * page is not a blank one, and a status message assistive technology announces politely.
 */
export function LoadingCard({ title, what }: { title: string; what: string }) {
  return (
    <main aria-busy="true">
      <div className="card">
        <h1>{title}</h1>
        <p className="muted" role="status" data-testid="loading">
          Loading {what}…
        </p>
        <div className="skeleton" aria-hidden="true">
          <span />
          <span />
          <span />
        </div>
      </div>
    </main>
  );
}
