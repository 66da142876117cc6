import Link from 'next/link';

/** Previous / next links for a paged list; plain links, so paging is a GET that works anywhere. */
export function Pager({
  label,
  page,
  pages,
  hasNext,
  href,
}: {
  label: string;
  page: number;
  /** The number of pages, when known; else `hasNext` says whether there is another. */
  pages?: number;
  hasNext?: boolean;
  href: (page: number) => string;
}) {
  const next = pages !== undefined ? page < pages : hasNext === true;
  if (page === 1 && !next) return null;
  return (
    <nav className="pager" aria-label={label}>
      {page > 1 ? (
        <Link href={href(page - 1)} rel="prev">
          Previous page
        </Link>
      ) : null}
      <span className="muted" aria-current="page">
        Page {page}
        {pages !== undefined ? ` of ${pages}` : ''}
      </span>
      {next ? (
        <Link href={href(page + 1)} rel="next">
          Next page
        </Link>
      ) : null}
    </nav>
  );
}
