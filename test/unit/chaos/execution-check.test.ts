import { describe, expect, it } from 'vitest';
import { chaosBallast, chaosInput, expectedState, foldStep } from '../../chaos/chaos-workflow.js';
import { checkExecution, classifyLeftMessage, diagnoseState, failureCause } from '../../chaos/execution-check.js';
import type { ScannedExecution } from '../../chaos/table-scan.js';

const input = chaosInput(11);
const text = (steps: number) => JSON.stringify(expectedState(input, steps));

/** A healthy execution of 3 steps at `state`, head at step `at`. */
function execution(
  state: string,
  at = 3,
  extra: Partial<NonNullable<ScannedExecution['head']>> = {},
): ScannedExecution {
  return {
    id: 'exec_a',
    shard: 0,
    head: { state, currentStep: at, totalSteps: 3, version: at, data: text(at), ...extra },
    checkpoints: Array.from({ length: at + 1 }, (_, step) => ({ step, data: text(step), timestamp: step })),
  };
}
const check = (e: ScannedExecution, cancelRequested = false) => checkExecution(e, { steps: 3, cancelRequested });

describe('diagnoseState', () => {
  const expected = expectedState(input, 3);
  it('tells a match, a repeated step, a skipped step and anything else apart', () => {
    expect(diagnoseState(text(3), expected)).toBe('ok');
    const doubled = foldStep(foldStep(foldStep(foldStep(input, 0), 1), 1), 2);
    expect(diagnoseState(JSON.stringify(doubled), expected)).toBe('double');
    expect(diagnoseState(JSON.stringify(foldStep(foldStep(input, 0), 2)), expected)).toBe('skip');
    expect(diagnoseState(JSON.stringify({ ...expected, acc: 1 }), expected)).toBe('corrupt');
    expect(diagnoseState(JSON.stringify({ ...expected, pad: 'x' }), expected)).toBe('corrupt');
    expect(diagnoseState('{not json', expected)).toBe('corrupt');
    expect(diagnoseState(undefined, expected)).toBe('corrupt');
  });

  it('wants the poison carried exactly', () => {
    const poisoned = expectedState(chaosInput(11, { step: 0, until: 5 }), 2);
    expect(diagnoseState(JSON.stringify(poisoned), poisoned)).toBe('ok');
    expect(diagnoseState(text(2), poisoned)).toBe('corrupt');
  });

  it('wants the waits carried and the event the step after the wait heard to be the one sent', () => {
    const waiting = chaosInput(11, undefined, { event: { step: 0 } });
    const expected = expectedState(waiting, 2);
    expect(expected.heard).toBe('go-11');
    expect(diagnoseState(JSON.stringify(expected), expected)).toBe('ok');
    expect(diagnoseState(JSON.stringify({ ...expected, heard: 'none' }), expected)).toBe('corrupt');
    expect(diagnoseState(text(2), expected)).toBe('corrupt');
  });
});

describe('diagnoseState with ballast', () => {
  it("wants a large execution's ballast carried exactly", () => {
    const large = expectedState(chaosInput(11, undefined, undefined, chaosBallast(11)), 2);
    expect(diagnoseState(JSON.stringify(large), large)).toBe('ok');
    expect(diagnoseState(text(2), large)).toBe('corrupt');
    expect(diagnoseState(JSON.stringify({ ...large, ballast: 'x' }), large)).toBe('corrupt');
    expect(diagnoseState(JSON.stringify(large), expectedState(input, 2))).toBe('corrupt');
  });
});

describe('checkExecution', () => {
  it('makes an execution with a state object that could not be read back corrupt, naming it', () => {
    const v = check({ ...execution('completed'), stateProblems: ['checkpoint 2: state object k is missing'] });
    expect(v.outcome).toBe('completed');
    expect(v.corrupt).toBe(true);
    expect(v.problems).toEqual(['checkpoint 2: state object k is missing']);
  });

  it('accepts a completed execution with the whole chain', () => {
    expect(check(execution('completed'))).toEqual({
      id: 'exec_a',
      outcome: 'completed',
      double: false,
      corrupt: false,
      problems: [],
    });
  });

  it('counts an execution still running or paused after the drain, or without a head, as lost', () => {
    expect(check(execution('running', 2))).toMatchObject({ outcome: 'lost', corrupt: false });
    expect(check(execution('paused', 1)).problems).toEqual(['still paused at step 1 after the drain']);
    expect(check({ id: 'exec_a', shard: 0, checkpoints: [] })).toMatchObject({ outcome: 'lost' });
  });

  it('finds a gap in the checkpoint chain and a checkpoint beyond the head', () => {
    const gap = execution('completed');
    gap.checkpoints.splice(1, 1);
    expect(check(gap)).toMatchObject({ corrupt: true, problems: ['checkpoint 1 missing (head at 3)'] });
    const beyond = execution('cancelled', 1);
    beyond.checkpoints.push({ step: 3, data: text(3), timestamp: 3 });
    expect(check(beyond, true).problems).toEqual(["checkpoint 3 beyond the head's step 1"]);
    const pastTheEnd = execution('completed');
    pastTheEnd.checkpoints.push({ step: 4, data: text(4), timestamp: 4 });
    expect(check(pastTheEnd).problems).toEqual(["checkpoint 4 beyond the head's step 3"]);
  });

  it('accepts one uncommitted put just past the head (a head update that did not land), when it is that fold', () => {
    const put = execution('cancelled', 1);
    put.checkpoints.push({ step: 2, data: text(2), timestamp: 2 });
    expect(check(put, true)).toMatchObject({ corrupt: false, problems: [] });
    const wrong = execution('cancelled', 1);
    wrong.checkpoints.push({ step: 2, data: text(1), timestamp: 2 });
    expect(check(wrong, true)).toMatchObject({ corrupt: true });
  });

  it('finds a double commit in a checkpoint and a wrong head state', () => {
    const doubled = execution('completed');
    doubled.checkpoints[2]!.data = JSON.stringify(foldStep(foldStep(foldStep(input, 0), 0), 1));
    expect(check(doubled)).toMatchObject({ double: true, corrupt: false });
    expect(check(execution('completed', 3, { data: text(2) }))).toMatchObject({ corrupt: true });
  });

  it('wants a completed execution at its last step', () => {
    expect(check(execution('completed', 2)).problems).toEqual(['completed at step 2 of 3, expected 3']);
  });

  it('wants a recorded error on a failed execution, and tells what it died of', () => {
    expect(check(execution('failed', 1)).problems).toEqual(['failed without a recorded error']);
    const claims = { code: 'STEP_FAILED', message: 'step 1 was claimed 5 times without recording an outcome' };
    expect(check(execution('failed', 1, { error: claims }))).toMatchObject({ corrupt: false, failureCause: 'claims' });
  });

  it('calls an event wait that timed out after its event was accepted a lost event', () => {
    const timedOut = execution('failed', 1, { error: { code: 'WAIT_TIMEOUT', message: 'no chaos-go event' } });
    const verdict = (eventAccepted: boolean) =>
      checkExecution(timedOut, { steps: 3, cancelRequested: false, eventAccepted });
    expect(verdict(false)).toMatchObject({ corrupt: false, failureCause: 'wait-timeout' });
    expect(verdict(true)).toMatchObject({
      corrupt: true,
      problems: ['its event wait timed out although its event was accepted'],
    });
  });

  it('accepts a cancelled execution only when the driver cancelled it', () => {
    expect(check(execution('cancelled', 1), true).corrupt).toBe(false);
    expect(check(execution('cancelled', 1), false).problems).toEqual(['cancelled, but the driver never cancelled it']);
  });
});

describe('failureCause', () => {
  it('names injected throws, timeouts, oversized states and repeated claims', () => {
    expect(failureCause('STEP_FAILED', 'chaos: injected failure of step 2 (attempt 3)')).toBe('step-throw');
    expect(failureCause('STEP_FAILED', 'chaos: injected failure of step 0, poisoned (attempt 3)')).toBe('poisoned');
    expect(failureCause('STEP_TIMEOUT', 'did not finish')).toBe('step-hang');
    expect(failureCause('STATE_TOO_LARGE', 'too big')).toBe('step-oversize');
    expect(failureCause('STEP_FAILED', 'step 3 was claimed 4 times without recording an outcome')).toBe('claims');
    expect(failureCause('INTERNAL', 'boom')).toBe('other');
  });
});

describe('classifyLeftMessage', () => {
  const body = (step: number, token: number) => JSON.stringify({ v: 1, executionId: 'exec_a', step, token });
  const head = execution('running', 2).head;
  it('calls a message for a finished execution stray, and one for a running execution pending', () => {
    expect(classifyLeftMessage({ shard: 0, body: body(3, 3), deadLetter: false }, execution('completed').head)).toBe(
      'stray',
    );
    expect(classifyLeftMessage({ shard: 0, body: body(2, 2), deadLetter: false }, head)).toBe('pending');
  });

  it('explains a dead letter that can no longer be claimed, and not one that still could', () => {
    expect(classifyLeftMessage({ shard: 0, body: body(1, 1), deadLetter: true }, head)).toBe('explained');
    expect(classifyLeftMessage({ shard: 0, body: body(2, 2), deadLetter: true }, head)).toBe('unexplained');
  });
});
