/**
 * An execution's checkpoints: newest first, paged; pick any two (A and B) to see
 * the state diff; open one (`#checkpoint=N`) to see its state, copy it, or fork or
 * rewind from it with the state as shown or edited.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { CheckpointView, ExecutionView } from './api.js';
import { ApiError } from './api.js';
import { executionHref } from './router.js';
import { diffStates, preview } from './state-diff.js';
import { REWINDABLE } from './timeline.js';
import { copyText, ErrorBox, JsonTree, Section } from './widgets.js';

export interface CheckpointsPanelProps {
  exec: ExecutionView;
  checkpoints: CheckpointView[];
  more: boolean;
  onMore: () => Promise<void>;
  /** The checkpoint of the URL's `#checkpoint=N`. */
  selected: number | undefined;
  busy: boolean;
  onFork: (seq: number, state: unknown) => Promise<void>;
  onRewind: (seq: number, state: unknown) => Promise<void>;
}

export function CheckpointsPanel(props: CheckpointsPanelProps) {
  const { exec, checkpoints, selected } = props;
  const [a, setA] = useState<number | undefined>(undefined);
  const [b, setB] = useState<number | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);

  const more = async () => {
    setLoadingMore(true);
    try {
      await props.onMore();
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  // A deep link to a checkpoint not loaded yet reads further pages until it is (or the list ends).
  const known = selected === undefined || checkpoints.some((c) => c.seq === selected);
  useEffect(() => {
    if (!known && props.more && !loadingMore && loadError === undefined) void more();
    // Each page loaded re-runs this until the checkpoint is found.
  }, [known, props.more, loadingMore, loadError, checkpoints.length]);

  // By default the diff shows the two newest checkpoints: what the last step changed.
  const [first, second] = checkpoints;
  const older = a ?? second?.seq;
  const newer = b ?? first?.seq;
  const opened = checkpoints.find((c) => c.seq === selected);

  useEffect(() => {
    if (opened) document.getElementById(`checkpoint-${opened.seq}`)?.scrollIntoView({ block: 'nearest' });
  }, [opened?.seq]);

  return (
    <Section title="Checkpoints" id="checkpoints">
      {checkpoints.length === 0 ? (
        <p class="muted">No checkpoint loaded.</p>
      ) : (
        <div class="table-wrap">
          <table class="checkpoints">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Input of</th>
                <th scope="col">Saved</th>
                <th scope="col">
                  Diff <abbr title="the older side of the diff">A</abbr> / <abbr title="the newer side">B</abbr>
                </th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {checkpoints.map((c) => (
                <tr
                  key={c.seq}
                  id={`checkpoint-${c.seq}`}
                  data-seq={c.seq}
                  class={`${c.superseded ? 'superseded' : ''}${c.seq === selected ? ' selected' : ''}`}
                >
                  <td>{c.seq}</td>
                  <td>
                    {c.stepName ?? 'the output (end)'}
                    {c.rewoundTo !== undefined && <span class="muted"> (rewound to {c.rewoundTo})</span>}
                    {c.superseded && <span class="muted"> (superseded)</span>}
                    {c.awaits !== undefined && <span class="muted"> (waits for "{c.awaits}")</span>}
                  </td>
                  <td>
                    <time dateTime={c.timestamp}>{c.timestamp.replace('T', ' ').replace('Z', '')}</time>
                  </td>
                  <td>
                    <input
                      type="radio"
                      name="diff-a"
                      aria-label={`Checkpoint ${c.seq} as A`}
                      checked={older === c.seq}
                      onChange={() => setA(c.seq)}
                    />{' '}
                    <input
                      type="radio"
                      name="diff-b"
                      aria-label={`Checkpoint ${c.seq} as B`}
                      checked={newer === c.seq}
                      onChange={() => setB(c.seq)}
                    />
                  </td>
                  <td>
                    <a href={executionHref(exec.id, c.seq)} aria-label={`Open checkpoint ${c.seq}`}>
                      open
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.more && (
        <button type="button" onClick={() => void more()} disabled={loadingMore}>
          Load older checkpoints
        </button>
      )}
      {loadError !== undefined && <ErrorBox error={loadError} />}
      {older !== undefined && newer !== undefined && older !== newer && (
        <StateDiff before={checkpoints.find((c) => c.seq === older)} after={checkpoints.find((c) => c.seq === newer)} />
      )}
      {selected !== undefined && !opened && !props.more && (
        <ErrorBox
          error={new ApiError(404, 'NOT_FOUND', `checkpoint ${selected} is not among this execution's checkpoints`)}
        />
      )}
      {opened && <OpenedCheckpoint {...props} checkpoint={opened} />}
    </Section>
  );
}

function StateDiff({ before, after }: { before: CheckpointView | undefined; after: CheckpointView | undefined }) {
  const changes = useMemo(
    () => (before && after ? diffStates(before.state, after.state) : []),
    [before?.id, after?.id],
  );
  if (!before || !after) return null;
  return (
    <div class="diff" data-testid="diff">
      <h3>
        From checkpoint {before.seq} to checkpoint {after.seq}:{' '}
        {changes.length === 0 ? 'no change' : changes.length === 1 ? '1 change' : `${changes.length} changes`}
      </h3>
      {changes.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Change</th>
                <th scope="col">A (#{before.seq})</th>
                <th scope="col">B (#{after.seq})</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={c.path} class={`diff-${c.kind}`} data-path={c.path}>
                  <td class="mono">{c.path}</td>
                  <td>{c.kind}</td>
                  <td class="mono">{c.kind === 'added' ? '' : preview(c.before)}</td>
                  <td class="mono">{c.kind === 'removed' ? '' : preview(c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function OpenedCheckpoint(props: CheckpointsPanelProps & { checkpoint: CheckpointView }) {
  const { checkpoint, exec } = props;
  const original = useMemo(() => JSON.stringify(checkpoint.state, null, 2), [checkpoint.id]);
  const [text, setText] = useState(original);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => setText(original), [original]);

  /** The edited state, or undefined when unchanged (the checkpoint's own state is used). */
  const edited = (): { ok: true; state: unknown } | { ok: false } => {
    if (text === original) return { ok: true, state: undefined };
    try {
      return { ok: true, state: JSON.parse(text) };
    } catch (err) {
      setProblem(`the edited state is not JSON: ${err instanceof Error ? err.message : String(err)}`);
      return { ok: false };
    }
  };
  const isOutput = exec.state === 'completed' && checkpoint.stepName === undefined;
  const canRewind = REWINDABLE.has(exec.state) && !isOutput && checkpoint.awaits === undefined;
  const canFork = !isOutput && checkpoint.awaits === undefined;
  const act = (fn: (seq: number, state: unknown) => Promise<void>) => {
    setProblem(undefined);
    const e = edited();
    if (e.ok) void fn(checkpoint.seq, e.state);
  };

  return (
    <div class="opened" data-testid="opened-checkpoint">
      <h3>
        Checkpoint {checkpoint.seq}: {checkpoint.stepName ? `the input of ${checkpoint.stepName}` : 'the output'}
      </h3>
      <div class="controls">
        <button type="button" onClick={() => void copyText(original).then(setNotice)}>
          Copy state
        </button>
        {notice && <span class="notice">{notice}</span>}
      </div>
      <JsonTree value={checkpoint.state} />
      <details class="edit">
        <summary>Fork or rewind from here{canRewind ? '' : ' (fork only)'}</summary>
        <label>
          State (edit it to start from a changed state)
          <textarea rows={8} class="mono" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        {problem && <ErrorBox error={new ApiError(0, 'VALIDATION_ERROR', problem)} />}
        <div class="controls">
          <button type="button" disabled={props.busy || !canFork} onClick={() => act(props.onFork)}>
            Fork from checkpoint {checkpoint.seq}
          </button>
          <button
            type="button"
            disabled={props.busy || !canRewind}
            onClick={() => {
              if (confirm(`Rewind ${exec.name} to checkpoint ${checkpoint.seq}? Later checkpoints become superseded.`))
                act(props.onRewind);
            }}
          >
            Rewind to checkpoint {checkpoint.seq}
          </button>
        </div>
        {!canFork && (
          <p class="muted">
            {isOutput
              ? 'The output has no step after it.'
              : `A wait for "${checkpoint.awaits ?? ''}" began here: take the checkpoint before it.`}
          </p>
        )}
        {canFork && !canRewind && (
          <p class="muted">Rewind works from paused, failed, cancelled and completed executions.</p>
        )}
      </details>
    </div>
  );
}
