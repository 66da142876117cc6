import Link from 'next/link';

/**
 * What every link that cannot be used shows — unknown, tampered, used, expired, or for an
 * account that is closed — in the same words, so a visitor learns nothing about which.
 */
export function LinkUnusable({ announce = false }: { announce?: boolean }) {
  return (
    <div data-testid="link-unusable" role={announce ? 'alert' : undefined}>
      <h1>This link cannot be used</h1>
      <p>It may have expired or been used already. Ask for a new one.</p>
      <p>
        <Link href="/login">Go to sign in</Link>
      </p>
    </div>
  );
}
