/**
 * The web console: one page, routed on the client under `/console`, talking to
 * the API under `/api` of the same origin (the dev server, or the signing proxy of
 * `longrunning console`). No resource comes from anywhere else.
 */
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ExecutionPage } from './execution-page.js';
import { ListPage } from './list-page.js';
import { interceptLinks, listHref, useRoute } from './router.js';

function App() {
  const route = useRoute();
  const view = useRef<HTMLDivElement>(null);
  const shownPath = useRef<string | undefined>(undefined);
  // After a move to another page (not the first, nor a checkpoint of the same page), the
  // focus goes to the new page, so a keyboard or screen reader user is not left on a removed link.
  useEffect(() => {
    const path = location.pathname + location.search;
    if (shownPath.current !== undefined && shownPath.current.split('?')[0] !== location.pathname) view.current?.focus();
    shownPath.current = path;
  }, [route]);
  useEffect(() => {
    document.addEventListener('click', interceptLinks);
    return () => document.removeEventListener('click', interceptLinks);
  }, []);
  useEffect(() => {
    document.title =
      route.page === 'execution'
        ? `${route.id} · longrunning`
        : route.page === 'list'
          ? 'Executions · longrunning'
          : 'Not found · longrunning';
  }, [route]);
  return (
    <>
      <nav class="top" aria-label="Console">
        <a href={listHref({})} class="brand">
          longrunning
        </a>
      </nav>
      <div id="view" ref={view} tabIndex={-1}>
        {route.page === 'list' && <ListPage query={route.query} />}
        {route.page === 'execution' && <ExecutionPage key={route.id} id={route.id} checkpoint={route.checkpoint} />}
        {route.page === 'missing' && (
          <main class="page">
            <h1>Not found</h1>
            <p>
              No page at <code>{route.path}</code>. <a href={listHref({})}>Back to the executions</a>.
            </p>
          </main>
        )}
      </div>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
