/**
 * Client-side routes under `/console`: the list (`/console`, with its filters in
 * the query string) and one execution (`/console/executions/<id>`, with
 * `#checkpoint=N` selecting a checkpoint). The servers answer every `/console/...`
 * path with the page, so a deep link works when opened directly.
 */
import { useEffect, useState } from 'preact/hooks';

export const ROOT = '/console';

/** A parsed location. */
export type Route =
  | { page: 'list'; query: URLSearchParams }
  | { page: 'execution'; id: string; checkpoint?: number }
  | { page: 'missing'; path: string };

/** The route of a location's path, query and hash. */
export function parseRoute(pathname: string, search: string, hash: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === ROOT || path === '') return { page: 'list', query: new URLSearchParams(search) };
  const match = /^\/console\/executions\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    const checkpoint = /^#checkpoint=(\d{1,10})$/.exec(hash)?.[1];
    return {
      page: 'execution',
      id: decodeURIComponent(match[1]),
      ...(checkpoint === undefined ? {} : { checkpoint: Number(checkpoint) }),
    };
  }
  return { page: 'missing', path: pathname };
}

/** The link to an execution (and one of its checkpoints). */
export const executionHref = (id: string, checkpoint?: number): string =>
  `${ROOT}/executions/${encodeURIComponent(id)}${checkpoint === undefined ? '' : `#checkpoint=${checkpoint}`}`;

/** The link to the list with these filters. */
export function listHref(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${ROOT}?${s}` : ROOT;
}

const current = (): Route => parseRoute(location.pathname, location.search, location.hash);

/** Goes to `href` without reloading the page (`replace` keeps the history length). */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event('console:navigate'));
}

/** The current route, updated on back/forward, hash changes and {@link navigate}. */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('popstate', update);
    window.addEventListener('hashchange', update);
    window.addEventListener('console:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('hashchange', update);
      window.removeEventListener('console:navigate', update);
    };
  }, []);
  return route;
}

/**
 * Follows clicks on same-origin links under `/console` without a reload (plain
 * left clicks only: a middle click or Ctrl-click still opens a new tab).
 */
export function interceptLinks(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === ROOT || url.pathname.startsWith(`${ROOT}/`))) return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search && url.hash !== location.hash) {
    location.hash = url.hash;
    return;
  }
  navigate(url.pathname + url.search + url.hash);
}
