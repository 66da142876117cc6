import autocannon from 'autocannon';

/**
 * One autocannon run (in this process, against the server's own process), reduced to what the
 * report uses. Only answers with the expected status count towards the rate; any other answer
 * fails the run, since a page that errors fast would otherwise look fast.
 */
export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly expect: 200 | 307;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** A body per request (sign-ins cycle through users). */
  readonly body?: () => string;
}

/** Not one answer in the whole window: the server stalled (a starved machine), nothing measured. */
export class NoAnswerError extends Error {
  readonly code = 'no_answer';
}

export interface LoadResult {
  readonly perSecond: number;
  readonly p50Millis: number;
  readonly p99Millis: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const body = options.body;
  const result = await autocannon({
    url: options.url,
    duration: options.seconds,
    connections: options.connections,
    method: options.method ?? 'GET',
    headers: options.headers,
    requests: body ? [{ setupRequest: (request) => ({ ...request, body: body() }) }] : undefined,
  });
  const counts = Object.entries(result.statusCodeStats ?? {}).map(
    ([code, s]) => [Number(code), s.count ?? 0] as const,
  );
  const expected = counts.find(([code]) => code === options.expect)?.[1] ?? 0;
  const unexpected = counts.filter(([code, n]) => code !== options.expect && n > 0);
  const what = `${options.method ?? 'GET'} ${options.url}`;
  if (result.errors === 0 && counts.every(([, n]) => n === 0)) {
    throw new NoAnswerError(`${what}: no answer in ${options.seconds} s`);
  }
  if (result.errors > 0 || unexpected.length > 0) {
    throw new Error(
      `${what}: ${expected} × ${options.expect}, ` +
        `unexpected ${JSON.stringify(Object.fromEntries(unexpected))}, ${result.errors} errors`,
    );
  }
  return {
    perSecond: expected / result.duration,
    p50Millis: result.latency.p50,
    p99Millis: result.latency.p99,
  };
}
