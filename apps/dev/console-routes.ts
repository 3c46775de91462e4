/**
 * What the dev server answers beside the API: the web console under `/console`
 * (from a directory built by `buildConsole`) and the API again under `/api`, so
 * the console, which calls `/api/...` on its own origin, works against it as it
 * does behind the console proxy. The API keeps answering at its own paths too.
 */
import type { BeforeApi } from '../../lib/local/index.js';
import { answerConsoleRequest, isConsolePath, sendError } from '../console/static-files.js';

/** The prefix the console calls the API under. */
export const API_PREFIX = '/api';

/** The host names a page of this machine reaches the dev server by. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost\.?|\[::1\])(:\d{1,5})?$/i;

/** Callback links carry their own credential (a signed, single-use token): a tunnel may bring them in. */
const CALLBACKS_PREFIX = '/callbacks/';

/**
 * A `before` hook for `serveApi`: the console's files from `staticDir` (none when it
 * is undefined: the console was not built), and the API under {@link API_PREFIX}.
 * Every request, the API's own paths included, is answered only when addressed to a
 * loopback host name, so a web page whose own name was made to resolve to 127.0.0.1
 * (DNS rebinding) cannot drive the dev server's API through a browser. Callback
 * links (`/callbacks/<token>`) are the exception: their token is their credential,
 * and a tunnel (ngrok, cloudflared) may bring them in under its own host name.
 */
export function consoleRoutes(staticDir: string | undefined): BeforeApi {
  return async (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0] ?? '/';
    // The path the API will route, its dot segments (also percent-encoded) resolved as the bridge does.
    const routed = new URL(pathname, 'http://localhost').pathname;
    if (!routed.startsWith(CALLBACKS_PREFIX) && !LOOPBACK_HOST.test(req.headers.host ?? '')) {
      sendError(res, 403, 'FORBIDDEN', 'the dev server answers only requests to 127.0.0.1, localhost or [::1]');
      return true;
    }
    if (isConsolePath(pathname)) {
      if (staticDir === undefined) {
        sendError(res, 404, 'NOT_FOUND', 'the console was not built: see the warning npm run dev printed at start');
        return true;
      }
      await answerConsoleRequest(req, res, staticDir);
      return true;
    }
    if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) {
      const rest = url.slice(API_PREFIX.length);
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
    }
    return false;
  };
}
