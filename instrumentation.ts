/**
 * Runs once when the server starts: validates configuration (one error listing every problem),
 * applies migrations, seeds the demo or refuses a production start that still has the demo's
 * accounts. A bad setup ends the process with a non-zero status before it serves a request —
 * also under a bare `next start`, which skips server.ts.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // `next build` runs this too: never open a database or seed demo users at build time.
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const [{ getGatehouse }, { exitOnStartupFailure, refuseBareNextStart }] = await Promise.all([
    import('./lib/server/runtime'),
    import('./lib/server/startup'),
  ]);
  await getGatehouse().catch(exitOnStartupFailure);
  refuseBareNextStart();
}
