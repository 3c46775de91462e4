import { describe, expect, it } from 'vitest';
import { apiEvent, bodyOf } from '../../support/api-events.js';
import { pump, TEST_CONTEXT, useDeployedHandlers } from './handler-harness.js';

const handlers = useDeployedHandlers();
const call = (method: string, path: string, body?: unknown) => handlers().call(method, path, body);

type Cp = { seq: number; step: number; state: { value: number }; superseded?: true; rewoundTo?: number };

async function checkpoints(id: string): Promise<Cp[]> {
  return (await call('GET', `/executions/${id}/checkpoints`)).body.items as Cp[];
}

/** A completed `arithmetic` execution: checkpoints 0..3 hold values 1, 11, 22, 19. */
async function completedExecution(): Promise<string> {
  const started = await call('POST', '/executions', { workflow: 'arithmetic', input: { value: 1 } });
  expect(started.status).toBe(201);
  await pump(handlers().world.res, handlers().worker);
  return String(started.body.id);
}

describe('fork and rewind through the deployed handlers (emulator)', () => {
  it('forks a completed execution from checkpoint 1 with an edited state, and the fork runs steps 1-2', async () => {
    const id = await completedExecution();
    const before = await checkpoints(id);
    const forked = await call('POST', `/executions/${id}/fork`, {
      fromCheckpoint: 1,
      state: { value: 5, history: ['edited'] },
      name: 'what-if',
    });
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({
      name: 'what-if',
      workflow: 'arithmetic',
      state: 'running',
      currentStep: 1,
      forkedFrom: { executionId: id, checkpoint: 1 },
    });
    const forkId = String(forked.body.id);
    expect(await pump(handlers().world.res, handlers().worker)).toBe(2);
    const done = await call('GET', `/executions/${forkId}`);
    expect(done.body).toMatchObject({
      state: 'completed',
      output: { value: 7, history: ['edited', 'double', 'subtract-three'] },
      forkedFrom: { executionId: id, checkpoint: 1 },
    });
    expect(await checkpoints(id)).toEqual(before);
  });

  it('rewinds a completed execution to checkpoint 1: steps 1-2 run again, checkpoints 2-3 are superseded', async () => {
    const id = await completedExecution();
    const rewound = await call('POST', `/executions/${id}/rewind`, { toCheckpoint: 1 });
    expect(rewound.status).toBe(200);
    expect(rewound.body).toMatchObject({ state: 'running', currentStep: 1, changed: true, superseded: [[2, 3]] });
    expect(await pump(handlers().world.res, handlers().worker)).toBe(2);
    const done = await call('GET', `/executions/${id}`);
    expect(done.body).toMatchObject({ state: 'completed', output: { value: 19 }, stepRuns: 6 });
    const listed = await checkpoints(id);
    expect(listed.map((cp) => [cp.seq, cp.step, cp.state.value, cp.superseded ?? false, cp.rewoundTo])).toEqual([
      [6, 3, 19, false, undefined],
      [5, 2, 22, false, undefined],
      [4, 1, 11, false, 1],
      [3, 3, 19, true, undefined],
      [2, 2, 22, true, undefined],
      [1, 1, 11, false, undefined],
      [0, 0, 1, false, undefined],
    ]);
  });

  it('answers bad input with the reason: 404 for a missing checkpoint, 409 for a running execution, 413 for a body too large, 400 otherwise', async () => {
    const id = await completedExecution();
    const cases: [string, unknown, number, string, RegExp][] = [
      ['fork', { fromCheckpoint: 9 }, 404, 'NOT_FOUND', /checkpoint not found: 9 of execution/],
      ['rewind', { toCheckpoint: 9 }, 404, 'NOT_FOUND', /checkpoint not found: 9 of execution/],
      ['fork', { fromCheckpoint: 3 }, 400, 'VALIDATION_ERROR', /final state/],
      ['fork', { fromCheckpoint: -1 }, 400, 'VALIDATION_ERROR', /fromCheckpoint/],
      ['fork', { fromCheckpoint: 1, steps: ['nope'] }, 400, 'VALIDATION_ERROR', /step "nope" is not registered/],
      ['fork', { fromCheckpoint: 1, extra: 1 }, 400, 'VALIDATION_ERROR', /extra/],
      [
        'rewind',
        { toCheckpoint: 1, state: 1, stateUpload: 'u1' },
        400,
        'VALIDATION_ERROR',
        /either state or stateUpload/,
      ],
      ['rewind', {}, 400, 'VALIDATION_ERROR', /toCheckpoint/],
    ];
    for (const [action, body, status, code, message] of cases) {
      const res = await call('POST', `/executions/${id}/${action}`, body);
      expect({ action, status: res.status, code: (res.body.error as { code: string }).code }).toEqual({
        action,
        status,
        code,
      });
      expect((res.body.error as { message: string }).message).toMatch(message);
    }
    const notJson = await handlers().api(
      { ...apiEvent('POST', `/executions/${id}/fork`), body: '{"fromCheckpoint": 1, "state": ' },
      TEST_CONTEXT,
    );
    expect(notJson.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(notJson).error)).toMatch(/JSON/);

    // An edited state too large for a request body is refused with its size (larger states go through an upload).
    const huge = { value: 1, history: ['x'.repeat(300_000)] };
    for (const [action, body] of [
      ['fork', { fromCheckpoint: 1, state: huge }],
      ['rewind', { toCheckpoint: 1, state: huge }],
    ] as const) {
      const res = await call('POST', `/executions/${id}/${action}`, body);
      expect({ action, status: res.status }).toEqual({ action, status: 413 });
      expect(res.body.error).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/request body is \d+ bytes, over the 262144-byte limit/) as unknown,
      });
    }
    expect((await call('GET', `/executions/${id}`)).body).toMatchObject({ state: 'completed' });

    const running = await call('POST', '/executions', { workflow: 'arithmetic', input: { value: 2 } });
    const refused = await call('POST', `/executions/${String(running.body.id)}/rewind`, { toCheckpoint: 0 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringMatching(/it is running/) as unknown,
    });
    await pump(handlers().world.res, handlers().worker);
  });
});
