import { handleLogin } from '@/lib/http/handlers/login';
import { getGatehouse } from '@/lib/server/runtime';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  return handleLogin(request, await getGatehouse());
}
