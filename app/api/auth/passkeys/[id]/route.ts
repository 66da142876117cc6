import { apiRoutes } from '@/lib/server/route-handlers';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const PATCH = apiRoutes.renamePasskey;
export const DELETE = apiRoutes.removePasskey;
