import { handleLogout } from '@/lib/http/handlers/logout';
import { getGatehouse } from '@/lib/server/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleLogout(request, await getGatehouse());
}
