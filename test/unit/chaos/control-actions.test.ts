import { describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../../lib/index.js';
import { chaosBallast, type ChaosState } from '../../chaos/chaos-workflow.js';
import { ControlActions } from '../../chaos/control-actions.js';
import { deriveSeed, seededRandom } from '../../chaos/rng.js';

const shares = { pause: 0.1, cancel: 0.05, retry: 0.5, poison: 0.03, sleep: 0.1, wait: 0.1 };

function actions(large: number, executions = 2_000, planes: ControlPlane[] = [{} as ControlPlane], chain = 0) {
  return new ControlActions(planes, seededRandom(99), {
    executions,
    steps: 6,
    seed: 42,
    live: 1_000,
    ...shares,
    large,
    chain,
  });
}
/** A control plane that records each start request by the plan index in its idempotency key. */
function recordingPlane() {
  const starts = new Map<number, { workflow: string; input: ChaosState }>();
  const plane = {
    start: (req: { workflow: string; input: ChaosState; idempotencyKey: string }) => {
      const index = Number(req.idempotencyKey.split('-').pop());
      starts.set(index, { workflow: req.workflow, input: req.input });
      return Promise.resolve({ head: { id: `exec_${index}` } });
    },
  } as unknown as ControlPlane;
  return { plane, starts };
}

const largeShare = (a: ControlActions) => a.plans.filter((p) => p.large).length / a.plans.length;

describe('the plan of large executions', () => {
  it('makes the share of large executions follow the option', () => {
    expect(largeShare(actions(0))).toBe(0);
    expect(largeShare(actions(1))).toBe(1);
    expect(largeShare(actions(0.2))).toBeGreaterThan(0.17);
    expect(largeShare(actions(0.2))).toBeLessThan(0.23);
  });

  it('is the same for the same seed', () => {
    expect(actions(0.3).plans).toEqual(actions(0.3).plans);
  });

  it('starts a large execution with its ballast in the input, and the others without', async () => {
    const { plane, starts } = recordingPlane();
    const a = actions(0.5, 20, [plane]);
    await a.startAll(2, () => false);
    expect(starts.size).toBe(20);
    expect(a.plans.some((p) => p.large) && a.plans.some((p) => !p.large)).toBe(true);
    for (const plan of a.plans) {
      const input = starts.get(plan.index)!.input;
      if (plan.large) expect(input.ballast).toBe(chaosBallast(deriveSeed(42, plan.index)));
      else expect(input).not.toHaveProperty('ballast');
    }
  });
});

describe('the plan of chained executions', () => {
  it('starts the planned share on the chainSteps workflow, the others on the plain one', async () => {
    const { plane, starts } = recordingPlane();
    const a = actions(0, 40, [plane], 0.5);
    await a.startAll(2, () => false);
    expect(a.plans.some((p) => p.chained) && a.plans.some((p) => !p.chained)).toBe(true);
    for (const plan of a.plans)
      expect(starts.get(plan.index)?.workflow).toBe(plan.chained ? 'chaos-6-chained' : 'chaos-6');
  });
});
