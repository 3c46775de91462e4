/**
 * One execution: its header and the controls its state allows, what it waits for,
 * the step timeline, recent events, the latest state as a tree, and its
 * checkpoints (with the diff of any two, fork and rewind). Refreshes itself while
 * the execution is unfinished.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type CheckpointView, type ExecutionView } from './api.js';
import { CheckpointsPanel } from './checkpoints-panel.js';
import { executionHref, listHref, navigate } from './router.js';
import { controlsFor, formatDuration, isFinished, timeline, type Control } from './timeline.js';
import { ErrorBox, JsonTree, Section, StateBadge, Time, useInterval, useNow } from './widgets.js';

const REFRESH_MS = 2_000;
/** Checkpoints read per page. */
export const CHECKPOINT_PAGE = 20;

export function ExecutionPage({ id, checkpoint }: { id: string; checkpoint?: number | undefined }) {
  const now = useNow();
  const [exec, setExec] = useState<ExecutionView | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [checkpoints, setCheckpoints] = useState<CheckpointView[]>([]);
  const [cpToken, setCpToken] = useState<string | undefined>(undefined);
  const seenRuns = useRef(-1);

  /** Reads the newest page of checkpoints and merges it with those loaded (a rewind marks older ones superseded). */
  const readCheckpoints = useCallback(
    async (first: boolean) => {
      const page = await api.checkpoints(id, CHECKPOINT_PAGE);
      setCheckpoints((old) => {
        const fresh = new Map(page.items.map((c) => [c.seq, c]));
        const kept = first ? [] : old.filter((c) => !fresh.has(c.seq));
        return [...page.items, ...kept].sort((a, b) => b.seq - a.seq);
      });
      if (first) setCpToken(page.nextToken);
    },
    [id],
  );

  const refresh = useCallback(async () => {
    try {
      const next = await api.get(id);
      setExec(next);
      setError(undefined);
      if (next.stepRuns !== seenRuns.current || next.superseded?.length) {
        await readCheckpoints(seenRuns.current === -1);
        seenRuns.current = next.stepRuns;
      }
    } catch (err) {
      setError(err);
    }
  }, [id, readCheckpoints]);

  useEffect(() => {
    setExec(undefined);
    setCheckpoints([]);
    setCpToken(undefined);
    seenRuns.current = -1;
    void refresh();
  }, [refresh]);

  useInterval(() => void refresh(), REFRESH_MS, exec !== undefined && !isFinished(exec.state));

  const loadMoreCheckpoints = async (): Promise<void> => {
    if (cpToken === undefined) return;
    const page = await api.checkpoints(id, CHECKPOINT_PAGE, cpToken);
    setCheckpoints((old) => {
      const seen = new Set(old.map((c) => c.seq));
      return [...old, ...page.items.filter((c) => !seen.has(c.seq))].sort((a, b) => b.seq - a.seq);
    });
    setCpToken(page.nextToken);
  };

  /** Runs a control; its answer (or its error, as the API words it) is shown. */
  const run = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setNotice(undefined);
    try {
      await fn();
      setNotice(what);
      setError(undefined);
      await refresh();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (exec === undefined) {
    return (
      <main class="page">
        <p>
          <a href={listHref({})}>← Executions</a>
        </p>
        {error !== undefined ? <ErrorBox error={error} /> : <p class="muted">Loading…</p>}
      </main>
    );
  }

  const control = (c: Control) => {
    switch (c) {
      case 'pause':
      case 'resume':
      case 'retry':
        return (
          <button type="button" key={c} disabled={busy} onClick={() => void run(`${c} sent`, () => api.act(id, c))}>
            {c[0]?.toUpperCase() + c.slice(1)}
          </button>
        );
      case 'cancel':
        return (
          <button
            type="button"
            key={c}
            class="danger"
            disabled={busy}
            onClick={() => {
              if (confirm(`Cancel ${exec.name}? A running step is aborted at its next heartbeat.`))
                void run('cancelled', () => api.act(id, 'cancel'));
            }}
          >
            Cancel
          </button>
        );
      case 'delete':
        return (
          <button
            type="button"
            key={c}
            class="danger"
            disabled={busy}
            onClick={() => {
              if (!confirm(`Delete ${exec.name} and all its checkpoints? This cannot be undone.`)) return;
              setBusy(true);
              api.remove(id).then(
                () => navigate(listHref({})),
                (err: unknown) => {
                  setError(err);
                  setBusy(false);
                },
              );
            }}
          >
            Delete
          </button>
        );
      case 'send-event':
        return null;
    }
  };

  const controls = controlsFor(exec.state);
  return (
    <main class="page">
      <p>
        <a href={listHref({})}>← Executions</a>
      </p>
      <header class="exec-head">
        <h1>
          {exec.name} <StateBadge state={exec.state} />
        </h1>
        <dl class="facts">
          <dt>id</dt>
          <dd class="mono">{exec.id}</dd>
          <dt>workflow</dt>
          <dd>{exec.workflow}</dd>
          <dt>progress</dt>
          <dd>
            <progress max={100} value={exec.progress} />{' '}
            {exec.currentStep < exec.totalSteps
              ? `at step ${exec.currentStep + 1} of ${exec.totalSteps} (${exec.stepNames[exec.currentStep] ?? ''})`
              : `past all ${exec.totalSteps} steps`}
            , {exec.stepRuns} step {exec.stepRuns === 1 ? 'run' : 'runs'}
          </dd>
          <dt>started</dt>
          <dd>
            <Time iso={exec.startTime} now={now} />
          </dd>
          <dt>updated</dt>
          <dd>
            <Time iso={exec.lastUpdate} now={now} />
          </dd>
          {exec.endTime && (
            <>
              <dt>ended</dt>
              <dd>
                <Time iso={exec.endTime} now={now} /> after{' '}
                {formatDuration(Date.parse(exec.endTime) - Date.parse(exec.startTime))}
              </dd>
            </>
          )}
          {exec.forkedFrom && (
            <>
              <dt>forked from</dt>
              <dd>
                <a href={executionHref(exec.forkedFrom.executionId, exec.forkedFrom.checkpoint)}>
                  {exec.forkedFrom.executionId} at checkpoint {exec.forkedFrom.checkpoint}
                </a>
              </dd>
            </>
          )}
          {exec.inboxSize > 0 && (
            <>
              <dt>inbox</dt>
              <dd>{exec.inboxSize} events not yet taken by a wait</dd>
            </>
          )}
        </dl>
        {exec.error && (
          <div class="error" role="status">
            <strong>{exec.error.code}</strong> {exec.error.message}
          </div>
        )}
        <div class="controls" role="toolbar" aria-label="Controls">
          {controls.map(control)}
          {controls.length === 0 && <span class="muted">No control applies in this state.</span>}
        </div>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {error !== undefined && <ErrorBox error={error} onClose={() => setError(undefined)} />}
      </header>

      {exec.wait && <WaitPanel exec={exec} now={now} />}
      {controls.includes('send-event') && (
        <SendEvent
          exec={exec}
          busy={busy}
          onSend={(type, payload) => run('event sent', () => api.sendEvent(id, type, payload))}
        />
      )}
      <Section title="Timeline" id="timeline">
        <Timeline exec={exec} checkpoints={checkpoints} />
      </Section>
      <Section title="Recent events" id="events">
        <ul class="events">
          {(exec.events ?? []).map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <Time iso={e.at} now={now} /> <strong>{e.type.replace(/_/g, ' ')}</strong> at step {e.step} (
              {exec.stepNames[e.step] ?? 'end'}){e.attempt !== undefined ? `, attempt ${e.attempt}` : ''}
              {e.error && (
                <span class="err-text">
                  {' '}
                  {e.error.code}: {e.error.message}
                </span>
              )}
            </li>
          ))}
        </ul>
      </Section>
      <Section title={exec.state === 'completed' ? 'Output' : 'Latest state'} id="state">
        <JsonTree value={exec.state === 'completed' ? exec.output : exec.data} />
      </Section>
      <CheckpointsPanel
        exec={exec}
        checkpoints={checkpoints}
        more={cpToken !== undefined}
        onMore={loadMoreCheckpoints}
        selected={checkpoint}
        busy={busy}
        onFork={(seq, state) =>
          run('forked', async () => {
            const fork = await api.fork(id, seq, state);
            navigate(executionHref(fork.id));
          })
        }
        onRewind={(seq, state) => run(`rewound to checkpoint ${seq}`, () => api.rewind(id, seq, state))}
      />
    </main>
  );
}

function WaitPanel({ exec, now }: { exec: ExecutionView; now: number }) {
  const wait = exec.wait;
  if (!wait) return null;
  return (
    <Section title="Waiting for" id="wait">
      <p data-testid="wait">
        {wait.kind === 'sleep' ? 'a timer' : `an event of type "${wait.eventType ?? ''}"`}
        {wait.until && (
          <>
            {' '}
            until <Time iso={wait.until} now={now} /> ({wait.until})
          </>
        )}
        {wait.onTimeout && `; on timeout: ${wait.onTimeout}`}
      </p>
    </Section>
  );
}

function SendEvent(props: {
  exec: ExecutionView;
  busy: boolean;
  onSend: (type: string, payload: unknown) => Promise<void>;
}) {
  const awaited = props.exec.wait?.kind === 'event' ? props.exec.wait.eventType : undefined;
  const [type, setType] = useState(awaited ?? '');
  const [payload, setPayload] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (awaited) setType(awaited);
  }, [awaited]);
  const submit = (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    if (payload.trim() !== '') {
      try {
        parsed = JSON.parse(payload);
      } catch (err) {
        setProblem(`the payload is not JSON: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    setProblem(undefined);
    void props.onSend(type.trim(), parsed);
  };
  return (
    <Section title={awaited ? 'Complete the wait: send its event' : 'Send an event'} id="send-event">
      <form class="event-form" onSubmit={submit}>
        <label>
          Type
          <input name="type" required maxLength={128} value={type} onInput={(e) => setType(e.currentTarget.value)} />
        </label>
        <label>
          Payload (JSON, optional)
          <textarea name="payload" rows={3} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} />
        </label>
        {problem && <ErrorBox error={new ApiError(0, 'VALIDATION_ERROR', problem)} />}
        <button type="submit" disabled={props.busy || type.trim() === ''}>
          Send event
        </button>
      </form>
    </Section>
  );
}

function Timeline({ exec, checkpoints }: { exec: ExecutionView; checkpoints: CheckpointView[] }) {
  const entries = timeline(exec, checkpoints);
  if (entries.length === 0) return <p class="muted">No step has run yet.</p>;
  return (
    <ul class="timeline">
      {entries.map((t, i) => (
        <li key={`${t.checkpoint ?? 'current'}-${i}`} class={`tl-${t.status}`} data-step={t.name}>
          <span class="tl-name">
            {t.step + 1}. {t.name}
          </span>{' '}
          {t.status === 'current' ? (
            <span class={`badge state-${exec.state}`}>{exec.state === 'failed' ? 'failed here' : exec.state}</span>
          ) : (
            <>
              <span class="muted">took {formatDuration(t.durationMs ?? NaN)}</span>{' '}
              <a href={executionHref(exec.id, t.checkpoint)}>checkpoint {t.checkpoint}</a>
              {t.status === 'superseded' && <span class="muted"> (superseded by a rewind)</span>}
            </>
          )}
          {t.failedAttempts !== undefined && <span class="muted"> {t.failedAttempts} failed attempts</span>}
          {t.error && (
            <div class="err-text">
              {t.error.code}: {t.error.message}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
