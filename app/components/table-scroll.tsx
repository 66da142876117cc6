import type { ReactNode } from 'react';

/**
 * A wide table scrolls inside its card instead of pushing the page sideways on a phone. The
 * region is focusable and named after its heading, so keyboard users can scroll it too.
 */
export function TableScroll({ labelledBy, children }: { labelledBy: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-labelledby={labelledBy} tabIndex={0}>
      {children}
    </div>
  );
}
