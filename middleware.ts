import { NextResponse } from 'next/server';

// Placeholder: the verifying, refreshing Edge middleware arrives with the browser sign-in work.
// Until then every route handler checks its token itself (lib/http/handlers/protected.ts).
export function middleware() {
  return NextResponse.next();
}

export const config = { matcher: ['/api/:path*'] };
