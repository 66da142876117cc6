import Link from 'next/link';
import { loginPath } from '@/lib/edge/routes';

/** The second step has ended (expired, used, out of tries, or never begun here): sign in again. */
export function StepOver({ next }: { next: string | null }) {
  return (
    <div data-testid="step-over">
      <p className="error" role="alert">
        This sign-in step has expired or is over. For your security, sign in again.
      </p>
      <p>
        <Link className="button" href={loginPath(next)}>
          Sign in again
        </Link>
      </p>
    </div>
  );
}
