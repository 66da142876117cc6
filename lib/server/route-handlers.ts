import 'server-only';
import type { Gatehouse } from '../auth/gatehouse';
import {
  handleChangePassword,
  handleListSessions,
  handleRevokeAll,
  handleRevokeOthers,
  handleRevokeSession,
} from '../http/handlers/account';
import { handleLogin } from '../http/handlers/login';
import { handleLogout } from '../http/handlers/logout';
import { handleMfa } from '../http/handlers/mfa';
import { handleAdmin, handlePrivate } from '../http/handlers/protected';
import { handleRevocations } from '../http/handlers/revocations';
import { handleToken } from '../http/handlers/token';
import {
  handleRecoveryCodes,
  handleTotpBegin,
  handleTotpConfirm,
  handleTotpDisable,
  handleTotpStatus,
} from '../http/handlers/totp';
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
 * The JSON API's handlers bound to the process-wide Gatehouse, for the one-line files under
 * app/api. The handlers themselves (lib/http) are framework-free and tested without Next.js.
 */
const bind =
  (handler: (request: Request, gh: Gatehouse) => Promise<Response>) =>
  async (request: Request): Promise<Response> =>
    handler(request, await getGatehouse());

/** As bind, for a route with an `[id]` segment. */
const bindId =
  (handler: (request: Request, gh: Gatehouse, id: string) => Promise<Response>) =>
  async (request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> =>
    handler(request, await getGatehouse(), (await context.params).id);

export const apiRoutes = {
  login: bind(handleLogin),
  logout: bind(handleLogout),
  token: bind(handleToken),
  private: bind(handlePrivate),
  admin: bind(handleAdmin),
  revocations: bind(handleRevocations),
  sessions: bind(handleListSessions),
  revokeSession: bindId(handleRevokeSession),
  revokeOtherSessions: bind(handleRevokeOthers),
  revokeAllSessions: bind(handleRevokeAll),
  password: bind(handleChangePassword),
  mfa: bind(handleMfa),
  totpStatus: bind(handleTotpStatus),
  totpBegin: bind(handleTotpBegin),
  totpDisable: bind(handleTotpDisable),
  totpConfirm: bind(handleTotpConfirm),
  recoveryCodes: bind(handleRecoveryCodes),
  passkeys: bind(handleListPasskeys),
  passkeyLoginOptions: bind(handlePasskeyLoginOptions),
  passkeyLogin: bind(handlePasskeyLogin),
  passkeyRegistrationOptions: bind(handlePasskeyRegistrationOptions),
  passkeyRegister: bind(handlePasskeyRegister),
  renamePasskey: bindId(handleRenamePasskey),
  removePasskey: bindId(handleRemovePasskey),
} as const;
