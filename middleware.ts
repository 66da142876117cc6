import { NextResponse, type NextRequest } from 'next/server';

export function middleware(_request: NextRequest) {
  const res = NextResponse.next();
  res.headers.set('x-probe', String(process.env.AUTH_DEMO_SECRET?.length ?? 'none') + ':' + String(process.env.PORT));
  return res;
}
export const config = { matcher: ['/((?!_next/).*)'] };
