/**
 * A plain form post: works without JavaScript, and the browser's Origin header lets the
 * endpoint's CSRF check pass. The endpoint revokes the session and answers 303 to /.
 */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form action="/api/auth/logout" method="post">
      <button type="submit" className={className}>
        Sign out
      </button>
    </form>
  );
}
