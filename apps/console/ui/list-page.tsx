/**
 * The execution list: counts per state, filters (state, workflow, name), rows
 * newest first, "load more" paging and a live refresh that re-reads the rows
 * shown without reloading the page.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  describeUsage,
  STATES,
  type ExecutionView,
  type ListFilter,
  type StateCounts,
  type StateName,
  type WorkflowUsage,
} from './api.js';
import { executionHref, listHref, navigate } from './router.js';
import { ErrorBox, StateBadge, Time, useInterval, useNow } from './widgets.js';

/** Rows asked for per page. */
export const PAGE_SIZE = 50;
/** The API's largest page. */
const MAX_LIMIT = 100;
const REFRESH_MS = 5_000;

/** The counts, or why they could not be read (undefined before the first answer). */
type CountsOrError = StateCounts | { error: unknown } | undefined;

function filterOf(query: URLSearchParams): ListFilter {
  const state = query.get('state') ?? undefined;
  return {
    state: (STATES as readonly string[]).includes(state ?? '') ? (state as StateName) : undefined,
    workflow: query.get('workflow') || undefined,
    name: query.get('name') || undefined,
  };
}

/** `rows` followed by the `more` whose id is not there yet (a listing can return an execution twice). */
function appendNew(rows: ExecutionView[], more: readonly ExecutionView[]): ExecutionView[] {
  const seen = new Set(rows.map((x) => x.id));
  const merged = [...rows];
  for (const row of more) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    merged.push(row);
  }
  return merged;
}

/**
 * Reads rows from the start of the list until `want` are loaded or the list ends.
 * An execution that changes state while the list is read (it spans the state
 * partitions) can come twice: it is kept once, where it first came.
 */
async function readRows(filter: ListFilter, want: number): Promise<{ rows: ExecutionView[]; nextToken?: string }> {
  let rows: ExecutionView[] = [];
  let token: string | undefined;
  do {
    const page = await api.list(filter, Math.min(MAX_LIMIT, Math.max(want - rows.length, 1)), token);
    rows = appendNew(rows, page.items);
    token = page.nextToken;
  } while (token !== undefined && rows.length < want);
  return token === undefined ? { rows } : { rows, nextToken: token };
}

export function ListPage({ query }: { query: URLSearchParams }) {
  const filter = filterOf(query);
  const filterKey = JSON.stringify(filter);
  const now = useNow();
  const [rows, setRows] = useState<ExecutionView[] | undefined>(undefined);
  const [nextToken, setNextToken] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const [live, setLive] = useState(true);
  const [counts, setCounts] = useState<CountsOrError>(undefined);
  const [workflows, setWorkflows] = useState<string[]>([]);
  const [nameInput, setNameInput] = useState(filter.name ?? '');
  // Answers to an older filter (or an older refresh) are dropped.
  const generation = useRef(0);
  const loaded = useRef(0);
  // The filter as of the last render, for handlers that run later (the name search's pause).
  const current = useRef(filter);
  current.current = filter;

  const load = useCallback(
    async (want: number) => {
      const mine = ++generation.current;
      setLoading(true);
      try {
        // The counts are read beside the rows; when they fail, the rows still show.
        const counting = api.counts().then(
          (c) => ({ ok: true as const, c }),
          (err: unknown) => ({ ok: false as const, err }),
        );
        const page = await readRows(filter, want);
        const counted = await counting;
        if (mine !== generation.current) return;
        setRows(page.rows);
        loaded.current = page.rows.length;
        setNextToken(page.nextToken);
        setCounts(counted.ok ? counted.c : { error: counted.err });
        setError(undefined);
      } catch (err) {
        if (mine === generation.current) setError(err);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    // The filter is compared by value (its JSON), not by object identity.
    [filterKey],
  );

  useEffect(() => {
    // A new filter: nothing of the old list (its rows, its page token) may be used with it.
    setRows(undefined);
    setNextToken(undefined);
    loaded.current = 0;
    void load(PAGE_SIZE);
  }, [load]);

  // A name from the URL (back, forward, a link) goes into the box; the typing that led to it stays as typed.
  useEffect(() => {
    setNameInput((typed) => (typed.trim() === (filter.name ?? '') ? typed : (filter.name ?? '')));
  }, [filter.name]);

  useEffect(() => {
    api.workflows().then(
      (w) => setWorkflows(w.items.map((i) => i.name)),
      () => setWorkflows([]),
    );
  }, []);

  const refresh = useCallback(() => void load(Math.max(loaded.current, PAGE_SIZE)), [load]);
  useInterval(refresh, REFRESH_MS, live && !loading);

  // The name search follows typing after a short pause.
  useEffect(() => {
    if ((current.current.name ?? '') === nameInput.trim()) return undefined;
    const timer = setTimeout(() => setFilter({ name: nameInput.trim() || undefined }), 300);
    return () => clearTimeout(timer);
    // Only typing restarts the pause.
  }, [nameInput]);

  const setFilter = (change: Partial<ListFilter>) => {
    const next = { ...current.current, ...change };
    navigate(listHref({ state: next.state, workflow: next.workflow, name: next.name }), true);
  };

  const loadMore = async () => {
    if (nextToken === undefined) return;
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await api.list(filter, PAGE_SIZE, nextToken);
      if (mine !== generation.current) return;
      setRows((r) => {
        const merged = appendNew(r ?? [], page.items);
        loaded.current = merged.length;
        return merged;
      });
      setNextToken(page.nextToken);
      setError(undefined);
    } catch (err) {
      if (mine === generation.current) setError(err);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  return (
    <main class="page">
      <header class="page-head">
        <h1>Executions</h1>
        <label class="toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live refresh
        </label>
      </header>
      <CountsBar counts={counts} active={filter.state} onPick={(state) => setFilter({ state })} />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select
            name="state"
            value={filter.state ?? ''}
            onChange={(e) => setFilter({ state: (e.currentTarget.value || undefined) as StateName | undefined })}
          >
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow
          <select
            name="workflow"
            value={filter.workflow ?? ''}
            onChange={(e) => setFilter({ workflow: e.currentTarget.value || undefined })}
          >
            <option value="">all</option>
            {[...new Set([...workflows, ...(filter.workflow ? [filter.workflow] : [])])].map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name contains
          <input
            type="search"
            name="name"
            value={nameInput}
            maxLength={128}
            placeholder="search names"
            onInput={(e) => setNameInput(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={refresh} disabled={loading}>
          Refresh
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
      {filter.workflow !== undefined && <UsageLine workflow={filter.workflow} />}
      {rows === undefined ? (
        <p class="muted">{loading ? 'Loading…' : ''}</p>
      ) : rows.length === 0 ? (
        <p class="empty">No executions match these filters.</p>
      ) : (
        <ExecutionTable rows={rows} now={now} />
      )}
      <footer class="list-foot">
        <span class="muted" data-testid="row-count">
          {rows ? `${rows.length} shown${nextToken ? ', more to load' : ''}` : ''}
        </span>
        {nextToken !== undefined && (
          <button type="button" onClick={() => void loadMore()} disabled={loading}>
            Load {PAGE_SIZE} more
          </button>
        )}
      </footer>
    </main>
  );
}

/** A workflow's usage summed over its executions (read once per workflow picked). */
function UsageLine({ workflow }: { workflow: string }) {
  const [totals, setTotals] = useState<WorkflowUsage | undefined>(undefined);
  useEffect(() => {
    setTotals(undefined);
    api.workflowUsage(workflow).then(setTotals, () => setTotals(undefined));
  }, [workflow]);
  if (totals === undefined || totals.workflow !== workflow) return null;
  return (
    <p class="muted" data-testid="workflow-usage">
      Usage of {workflow}: {describeUsage(totals.usage)} over {totals.capped ? 'the newest ' : ''}
      {totals.executions} executions
    </p>
  );
}

function CountsBar(props: {
  counts: CountsOrError;
  active: StateName | undefined;
  onPick: (state: StateName | undefined) => void;
}) {
  const { active, onPick } = props;
  if (props.counts === undefined) return <nav class="counts" aria-label="Executions per state" />;
  if ('error' in props.counts)
    return (
      <nav class="counts" aria-label="Executions per state">
        <ErrorBox error={props.counts.error} />
      </nav>
    );
  const counts = props.counts;
  return (
    <nav class="counts" aria-label="Executions per state">
      {STATES.filter((s) => s !== 'initialized' && s !== 'resuming').map((s) => {
        const c = counts.states[s];
        const text = c ? `${c.count.toLocaleString('en')}${c.capped ? '+' : ''}` : '0';
        return (
          <button
            type="button"
            key={s}
            class={`count state-${s}${active === s ? ' active' : ''}`}
            aria-pressed={active === s}
            data-state={s}
            onClick={() => onPick(active === s ? undefined : s)}
          >
            <span class="count-n">{text}</span> {s}
          </button>
        );
      })}
    </nav>
  );
}

function ExecutionTable({ rows, now }: { rows: ExecutionView[]; now: number }) {
  return (
    <div class="table-wrap">
      <table class="executions">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Workflow</th>
            <th scope="col">Progress</th>
            <th scope="col">Current step</th>
            <th scope="col">Started</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id} data-id={e.id} data-state={e.state}>
              <td>
                <a href={executionHref(e.id)}>{e.name}</a>
                <div class="muted mono small">{e.id}</div>
              </td>
              <td>
                <StateBadge state={e.state} />
              </td>
              <td>{e.workflow}</td>
              <td>
                <progress max={100} value={e.progress} aria-label={`${Math.floor(e.progress)}% done`} />
                <span class="small muted">
                  {' '}
                  {Math.min(e.currentStep, e.totalSteps)}/{e.totalSteps}
                </span>
              </td>
              <td>
                {e.currentStep < e.totalSteps ? (e.stepNames[e.currentStep] ?? '') : '–'}
                {e.throttled && <div class="small muted">{e.throttled.message}</div>}
              </td>
              <td>
                <Time iso={e.startTime} now={now} />
              </td>
              <td>
                <Time iso={e.lastUpdate} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
