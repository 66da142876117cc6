import { handleToken } from '@/lib/http/handlers/token';
import { getGatehouse } from '@/lib/server/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleToken(request, await getGatehouse());
}
