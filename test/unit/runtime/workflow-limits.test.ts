import { describe, expect, it } from 'vitest';
import type { StepFunc } from '../../../lib/core/types.js';
import { defineWorkflow, stepLimits } from '../../../lib/runtime/workflow.js';

const f: StepFunc = (s) => s;

describe('defineWorkflow limits', () => {
  it('applies the workflow limits to every step, before the step own ones', () => {
    const wf = defineWorkflow({
      name: 'limited',
      limits: [{ key: 'openai', concurrency: 5 }],
      steps: [
        { name: 'a', fn: f },
        { name: 'b', fn: f, limits: [{ key: 'search', perSecond: 2 }] },
      ],
    });
    expect(stepLimits(wf, 'a').map((l) => l.key)).toEqual(['openai']);
    expect(stepLimits(wf, 'b').map((l) => l.key)).toEqual(['openai', 'search']);
    expect(stepLimits(wf, 'unknown').map((l) => l.key)).toEqual(['openai']);
  });

  it('gives a step without limits none', () => {
    const wf = defineWorkflow({ name: 'plain', steps: [{ name: 'a', fn: f }] });
    expect(stepLimits(wf, 'a')).toEqual([]);
    expect(wf.limits).toBeUndefined();
  });

  it('rejects a limit of 0 naming the workflow', () => {
    expect(() =>
      defineWorkflow({ name: 'zero', limits: [{ key: 'k', concurrency: 0 }], steps: [{ name: 'a', fn: f }] }),
    ).toThrow(/workflow zero: limits\[0\]\.concurrency must be a whole number from 1/);
    expect(() =>
      defineWorkflow({ name: 'zero2', steps: [{ name: 'a', fn: f, limits: [{ key: 'k', perMinute: 0 }] }] }),
    ).toThrow(/step "a": limits\[0\]\.perMinute must be a number greater than 0/);
  });

  it('rejects more than 8 limits counting the workflow and the step together', () => {
    const five = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, concurrency: 1 }));
    expect(() => defineWorkflow({ name: 'many', limits: five, steps: [{ name: 'a', fn: f, limits: five }] })).toThrow(
      /step "a" has 10 limits with the workflow's, at most 8/,
    );
  });
});
