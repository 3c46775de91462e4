/**
 * The workflow `npm run load` runs: 10 steps, each a little JSON work on a state
 * well under 1 KB, so the figures measure the engine and the emulator, not the steps.
 */
import { defineWorkflow, type NamedStep, type Workflow } from '../../lib/index.js';

/** The state each step passes on. */
export interface LoadState {
  seq: number;
  steps: number;
  digest: number;
  notes: string[];
}

export const LOAD_WORKFLOW_NAME = 'load-10';

const STEP_COUNT = 10;

/** A 32-bit rolling hash, so each step's output depends on every step before it. */
function mix(digest: number, text: string): number {
  let h = digest;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

/** Step i's work: copy the state through JSON, count the step, fold a note into the digest. */
const transforms = Array.from({ length: STEP_COUNT }, (_, i) => (state: LoadState): LoadState => {
  const s = JSON.parse(JSON.stringify(state)) as LoadState;
  const note = `step ${i + 1} of execution ${s.seq} after ${s.steps} steps`;
  return { ...s, steps: s.steps + 1, digest: mix(s.digest, note), notes: [...s.notes, note].slice(-4) };
});

const steps: NamedStep<LoadState>[] = transforms.map((fn, i) => ({ name: `load-step-${i + 1}`, fn }));

/** The 10-step workflow, registered under {@link LOAD_WORKFLOW_NAME}. */
export const loadWorkflow: Workflow = defineWorkflow<LoadState>({ name: LOAD_WORKFLOW_NAME, version: '1', steps });

/** Steps in {@link loadWorkflow}. */
export const LOAD_STEPS = STEP_COUNT;

/** The input of the `seq`th execution of the run. */
export function loadInput(seq: number): LoadState {
  return { seq, steps: 0, digest: seq, notes: [] };
}

/**
 * Why `output` is not what the 10 steps make of its input, run in order exactly
 * once each (undefined when it is): the check that the engine passed every
 * step's result to the next one.
 */
export function checkLoadOutput(output: unknown): string | undefined {
  const seq = (output as Partial<LoadState> | null)?.seq;
  if (typeof seq !== 'number') return 'output has no seq';
  let expected = loadInput(seq);
  for (const step of transforms) expected = step(expected);
  return JSON.stringify(output) === JSON.stringify(expected) ? undefined : 'output differs from the steps run in order';
}
