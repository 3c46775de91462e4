/** Small pieces shared by the console's pages. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { childPath } from './state-diff.js';
import { relativeTime } from './timeline.js';

/** A state as a coloured label (the colour is never the only cue: the word is there). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

/** An API error as the API words it: its code and its message. */
export function ErrorBox({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const code = error instanceof ApiError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <strong>{code}</strong> {message}
      {onClose && (
        <button type="button" class="link" onClick={onClose} aria-label="Dismiss the error">
          ×
        </button>
      )}
    </div>
  );
}

/** A time as "5 s ago", with the exact ISO time on hover. */
export function Time({ iso, now }: { iso: string | undefined; now: number }) {
  if (!iso) return <span class="muted">–</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relativeTime(iso, now)}
    </time>
  );
}

/** The current time, ticking every `everyMs` so relative times stay true. */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * Calls `fn` every `everyMs` while `on` and the page is visible. The latest `fn` is
 * called: a new function on each render does not restart the timer.
 */
export function useInterval(fn: () => void, everyMs: number, on: boolean): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!on) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, on]);
}

/** Copies text to the clipboard; returns how it went, for a short notice. */
export async function copyText(text: string): Promise<string> {
  try {
    await navigator.clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'the browser refused the clipboard: select the text and copy it';
  }
}

const SCALAR_OPEN_DEPTH = 2;

/**
 * A JSON value as a collapsible tree (native details/summary, so it is keyboard
 * reachable). Levels below `openDepth` start open; large arrays and objects start closed.
 */
export function JsonTree({ value, openDepth = SCALAR_OPEN_DEPTH }: { value: unknown; openDepth?: number }) {
  return (
    <div class="json-tree">
      <JsonNode label="$" path="$" value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

function JsonNode(props: { label: string; path: string; value: unknown; depth: number; openDepth: number }) {
  const { label, path, value, depth, openDepth } = props;
  if (value !== null && typeof value === 'object') {
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value as Record<string, unknown>);
    const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    return (
      <details open={depth < openDepth && entries.length <= 50} data-path={path}>
        <summary>
          <span class="json-key">{label}</span> <span class="muted">{summary}</span>
        </summary>
        <div class="json-children">
          {entries.map(([key, child]) => (
            <JsonNode
              key={key}
              label={String(key)}
              path={childPath(path, key)}
              value={child}
              depth={depth + 1}
              openDepth={openDepth}
            />
          ))}
        </div>
      </details>
    );
  }
  const text = JSON.stringify(value);
  // The presigned URL the API gives for a state offloaded to S3 can be followed; no other string is a link.
  const link = typeof value === 'string' && path.endsWith('.$longrunningState.url') && /^https:\/\//.test(value);
  return (
    <div class="json-leaf" data-path={path}>
      <span class="json-key">{label}</span>:{' '}
      <span class={`json-${value === null ? 'null' : typeof value}`}>
        {link ? (
          <a href={value} target="_blank" rel="noopener noreferrer">
            {text}
          </a>
        ) : (
          text
        )}
      </span>
    </div>
  );
}

/** A titled section of a page. */
export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel" aria-labelledby={id ? `${id}-title` : undefined} id={id}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}
