import 'server-only';
import type { Gatehouse } from '../auth/gatehouse';
import {
  handleListPasskeys,
  handlePasskeyLogin,
  handlePasskeyLoginOptions,
  handlePasskeyRegister,
  handlePasskeyRegistrationOptions,
  handleRemovePasskey,
  handleRenamePasskey,
} from '../http/handlers/passkeys';
import { getGatehouse } from './runtime';

/**
 * The passkey API's handlers (lib/http/handlers/passkeys.ts) bound to the process-wide
 * Gatehouse, for the one-line files under app/api/auth/passkeys (as route-handlers.ts does for
 * the rest of the API).
 */
const bind =
  (handler: (request: Request, gh: Gatehouse) => Promise<Response>) =>
  async (request: Request): Promise<Response> =>
    handler(request, await getGatehouse());

const bindId =
  (handler: (request: Request, gh: Gatehouse, id: string) => Promise<Response>) =>
  async (request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> =>
    handler(request, await getGatehouse(), (await context.params).id);

export const passkeyRoutes = {
  list: bind(handleListPasskeys),
  loginOptions: bind(handlePasskeyLoginOptions),
  login: bind(handlePasskeyLogin),
  registrationOptions: bind(handlePasskeyRegistrationOptions),
  register: bind(handlePasskeyRegister),
  rename: bindId(handleRenamePasskey),
  remove: bindId(handleRemovePasskey),
} as const;
