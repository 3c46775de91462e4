/**
 * What the dev server answers beside the API: the web console under `/console`
 * (from a directory built by `buildConsole`) and the API again under `/api`, so
 * the console, which calls `/api/...` on its own origin, works against it as it
 * does behind the console proxy. The API keeps answering at its own paths too.
 */
import type { BeforeApi } from '../../lib/local/index.js';
import { answerConsoleRequest, isConsolePath } from '../console/static-files.js';

/** The prefix the console calls the API under. */
export const API_PREFIX = '/api';

/** A `before` hook for `serveApi`: the console's files from `staticDir`, and the API under {@link API_PREFIX}. */
export function consoleRoutes(staticDir: string): BeforeApi {
  return async (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0] ?? '/';
    if (isConsolePath(pathname)) {
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
