/**
 * One execution: its header and the controls its state allows, what it waits for,
 * the step timeline, recent events, the latest state as a tree, and its
 * checkpoints (with the diff of any two, fork and rewind). Refreshes itself while
 * the execution is unfinished.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, describeUsage, type Action, type CheckpointView, type ExecutionView } from './api.js';
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
  /** Why the execution could not be read (the last poll). */
  const [loadError, setLoadError] = useState<unknown>(undefined);
  /** Why the last control failed, as the API words it; kept until the next control. */
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [checkpoints, setCheckpoints] = useState<CheckpointView[]>([]);
  const [cpToken, setCpToken] = useState<string | undefined>(undefined);
  const loadedCheckpoints = useRef(checkpoints);
  loadedCheckpoints.current = checkpoints;
  /** What the loaded checkpoints were read for: step runs and rewinds. */
  const seen = useRef<{ runs: number; superseded: string } | undefined>(undefined);
  /** Answers to a read older than the latest read or control are dropped. */
  const generation = useRef(0);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  /**
   * Reads the newest page of checkpoints. It is merged with those loaded, unless
   * `restart` (the first read, or a rewind, which changes which are superseded) or
   * it does not reach them (more runs than a page since the last read): then the
   * list starts again from it, so it never has a hole.
   */
  const readCheckpoints = useCallback(
    async (restart: boolean, mine: number) => {
      const page = await api.checkpoints(id, CHECKPOINT_PAGE);
      if (mine !== generation.current || !mounted.current) return;
      const old = loadedCheckpoints.current;
      const oldest = page.items.at(-1)?.seq ?? 0;
      const gap = page.nextToken !== undefined && oldest > (old[0]?.seq ?? -1) + 1;
      if (restart || gap) {
        setCheckpoints(page.items);
        setCpToken(page.nextToken);
        return;
      }
      const fresh = new Set(page.items.map((c) => c.seq));
      setCheckpoints([...page.items, ...old.filter((c) => !fresh.has(c.seq))].sort((a, b) => b.seq - a.seq));
    },
    [id],
  );

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const next = await api.get(id);
      if (mine !== generation.current || !mounted.current) return;
      setExec(next);
      setLoadError(undefined);
      const now = { runs: next.stepRuns, superseded: JSON.stringify(next.superseded ?? []) };
      const before = seen.current;
      if (before?.runs !== now.runs || before.superseded !== now.superseded) {
        seen.current = now;
        await readCheckpoints(before === undefined || before.superseded !== now.superseded, mine);
      }
    } catch (err) {
      if (mine === generation.current && mounted.current) setLoadError(err);
    }
  }, [id, readCheckpoints]);

  useEffect(() => {
    setExec(undefined);
    setCheckpoints([]);
    setCpToken(undefined);
    seen.current = undefined;
    void refresh();
  }, [refresh]);

  useInterval(() => void refresh(), REFRESH_MS, exec !== undefined && !isFinished(exec.state) && !busy);

  const loadMoreCheckpoints = async (): Promise<void> => {
    if (cpToken === undefined) return;
    const page = await api.checkpoints(id, CHECKPOINT_PAGE, cpToken);
    if (!mounted.current) return;
    const old = loadedCheckpoints.current;
    const known = new Set(old.map((c) => c.seq));
    setCheckpoints([...old, ...page.items.filter((c) => !known.has(c.seq))].sort((a, b) => b.seq - a.seq));
    setCpToken(page.nextToken);
  };

  /**
   * Runs a control and shows what the API said (its answer's outcome, or its
   * error as the API words it); then reads the execution again, also after a
   * failure (a 409 means the state moved on). A poll in flight is dropped.
   */
  const run = async (fn: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setNotice(undefined);
    setActionError(undefined);
    generation.current++;
    let ok = false;
    try {
      const said = await fn();
      if (mounted.current) setNotice(said);
      ok = true;
    } catch (err) {
      if (mounted.current) setActionError(err);
    }
    if (!mounted.current) return ok;
    setBusy(false);
    await refresh();
    return ok;
  };

  const act = (action: Action) =>
    run(async () => {
      const answer = await api.act(id, action);
      return answer.changed ? `${action}: done` : `${action}: nothing to change, it already was ${answer.state}`;
    });

  /** A fork opens the new execution; this page is left, so nothing of it is updated after. */
  const fork = async (seq: number, state: unknown): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      const created = await api.fork(id, seq, state);
      navigate(executionHref(created.id));
    } catch (err) {
      if (!mounted.current) return;
      setActionError(err);
      setBusy(false);
    }
  };

  if (exec === undefined) {
    return (
      <main class="page">
        <p>
          <a href={listHref({})}>← Executions</a>
        </p>
        {loadError !== undefined ? <ErrorBox error={loadError} /> : <p class="muted">Loading…</p>}
      </main>
    );
  }

  const control = (c: Control) => {
    switch (c) {
      case 'pause':
      case 'resume':
      case 'retry':
        return (
          <button type="button" key={c} disabled={busy} onClick={() => void act(c)}>
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
              if (confirm(`Cancel ${exec.name}? A running step is aborted at its next heartbeat.`)) void act('cancel');
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
                  if (!mounted.current) return;
                  setActionError(err);
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
          <dd>
            {exec.workflow}
            {exec.workflowVersion !== undefined && (
              <span data-testid="workflow-version"> (version {exec.workflowVersion})</span>
            )}
          </dd>
          <dt>progress</dt>
          <dd>
            <progress max={100} value={exec.progress} aria-label={`${Math.floor(exec.progress)}% done`} />{' '}
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
          {(exec.usage || exec.budget) && (
            <>
              <dt>usage</dt>
              <dd data-testid="usage">{describeUsage(exec.usage, exec.budget)}</dd>
            </>
          )}
          {exec.throttled && (
            <>
              <dt>throttled</dt>
              <dd data-testid="throttled">
                {exec.throttled.message}, waiting since <Time iso={exec.throttled.since} now={now} />
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
        {actionError !== undefined && <ErrorBox error={actionError} onClose={() => setActionError(undefined)} />}
        {loadError !== undefined && <ErrorBox error={loadError} />}
      </header>

      {exec.wait && <WaitPanel exec={exec} now={now} />}
      {!isFinished(exec.state) && (
        <BudgetForm
          exec={exec}
          busy={busy}
          onSet={(budget) =>
            run(async () => {
              const answer = await api.setBudget(id, budget);
              return answer.resumed
                ? 'budget set: the execution runs on'
                : answer.error?.code === 'BUDGET_EXCEEDED'
                  ? 'budget set, still exceeded: it stays paused'
                  : 'budget set';
            })
          }
        />
      )}
      {controls.includes('send-event') && (
        <SendEvent
          exec={exec}
          busy={busy}
          onSend={(type, payload, eventId) =>
            run(async () => {
              const answer = await api.sendEvent(id, type, payload, eventId);
              return DELIVERY[answer.delivery];
            })
          }
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
        onFork={fork}
        onRewind={async (seq, state) => {
          await run(async () => {
            const answer = await api.rewind(id, seq, state);
            return `rewound to checkpoint ${seq}: ${answer.state}`;
          });
        }}
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

/**
 * Sets the execution's budget (tokens and cost in USD; other units it has are kept
 * as they are). An execution its budget paused runs on when the new one is not exceeded.
 */
function BudgetForm(props: {
  exec: ExecutionView;
  busy: boolean;
  onSet: (budget: Record<string, number>) => Promise<boolean>;
}) {
  const { exec } = props;
  const current = exec.budget ?? {};
  const [tokens, setTokens] = useState(current['tokens'] === undefined ? '' : String(current['tokens']));
  const [cost, setCost] = useState(current['costUsd'] === undefined ? '' : String(current['costUsd']));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const stopped = exec.error?.code === 'BUDGET_EXCEEDED';
  const submit = (e: Event) => {
    e.preventDefault();
    const budget: Record<string, number> = { ...current };
    delete budget['tokens'];
    delete budget['costUsd'];
    for (const [unit, text] of [
      ['tokens', tokens],
      ['costUsd', cost],
    ] as const) {
      if (text.trim() === '') continue;
      const n = Number(text);
      if (!Number.isFinite(n) || n <= 0) {
        setProblem(`${unit} must be a number greater than 0, got "${text}"`);
        return;
      }
      budget[unit] = n;
    }
    if (Object.keys(budget).length === 0) {
      setProblem('give at least one bound: tokens or cost in USD');
      return;
    }
    setProblem(undefined);
    void props.onSet(budget);
  };
  return (
    <Section title={stopped ? 'Budget exceeded: raise it to run on' : 'Budget'} id="budget">
      <form class="event-form" onSubmit={submit}>
        <label>
          Tokens
          <input name="tokens" inputMode="numeric" value={tokens} onInput={(e) => setTokens(e.currentTarget.value)} />
        </label>
        <label>
          Cost (USD)
          <input name="costUsd" inputMode="decimal" value={cost} onInput={(e) => setCost(e.currentTarget.value)} />
        </label>
        {problem && <ErrorBox error={new ApiError(0, 'VALIDATION_ERROR', problem)} />}
        <button type="submit" disabled={props.busy}>
          {stopped ? 'Raise the budget and run on' : 'Set the budget'}
        </button>
      </form>
    </Section>
  );
}

/** What the API's `delivery` means, for the notice after a send. */
const DELIVERY: Record<'resumed' | 'buffered' | 'duplicate', string> = {
  resumed: 'event delivered: the wait ended',
  buffered: 'event kept in the inbox: the execution is not waiting for this type now',
  duplicate: 'already received (the same event id): nothing changed',
};

const newEventId = (): string => `console-${crypto.randomUUID()}`;

function SendEvent(props: {
  exec: ExecutionView;
  busy: boolean;
  /** Sends; true when the API took it. */
  onSend: (type: string, payload: unknown, eventId: string) => Promise<boolean>;
}) {
  const awaited = props.exec.wait?.kind === 'event' ? props.exec.wait.eventType : undefined;
  const [type, setType] = useState(awaited ?? '');
  const [payload, setPayload] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [eventId, setEventId] = useState(newEventId);
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
    // The same id until the API took the event: a second click of a send whose answer was lost is a duplicate.
    void props.onSend(type.trim(), parsed, eventId).then((took) => {
      if (took) setEventId(newEventId());
    });
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
