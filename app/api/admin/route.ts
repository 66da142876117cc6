import { handleAdmin } from '@/lib/http/handlers/protected';
import { getGatehouse } from '@/lib/server/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  return handleAdmin(request, await getGatehouse());
}
