/**
 * Runs once when the server starts: validates configuration (one error listing every problem),
 * applies migrations, seeds the demo and prints its banner, so a bad setup fails at start and
 * not on the first sign-in.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // `next build` runs this too: never open a database or seed demo users at build time.
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getGatehouse } = await import('./lib/server/runtime');
  await getGatehouse();
}
