import { MAX_PAGE, MAX_QUERY_LENGTH } from '@/lib/server/views';

/** The admin pages' query strings, read leniently and bounded: a bad value is the default, never an error. */
export type SearchParams = Record<string, string | string[] | undefined>;

/** A query-string value as one bounded string ('' when absent; the first when repeated). */
export function textParam(params: SearchParams, name: string, max: number): string {
  const raw = params[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return (value ?? '').trim().slice(0, max);
}

/** A page number from the query string: anything but a whole number in range is page 1. */
export function pageParam(params: SearchParams, max: number): number {
  const value = textParam(params, 'page', 8);
  const page = /^\d+$/.test(value) ? Number(value) : 1;
  return page >= 1 && page <= max ? page : 1;
}

/** The same path with these query parameters (empty ones left out). */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** The overview's search and page (app/admin/(overview)): its page and its layout read them alike. */
export function overviewParams(params: SearchParams): { query: string; page: number } {
  return { query: textParam(params, 'q', MAX_QUERY_LENGTH), page: pageParam(params, MAX_PAGE) };
}
