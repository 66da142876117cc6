import { passkeyRoutes } from '@/lib/server/passkey-routes';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = passkeyRoutes.registrationOptions;
