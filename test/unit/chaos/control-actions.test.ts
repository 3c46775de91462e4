import { describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../../lib/index.js';
import { chaosBallast, type ChaosState } from '../../chaos/chaos-workflow.js';
import { ControlActions } from '../../chaos/control-actions.js';
import { deriveSeed, seededRandom } from '../../chaos/rng.js';

const shares = { pause: 0.1, cancel: 0.05, retry: 0.5, poison: 0.03, sleep: 0.1, wait: 0.1 };

function actions(large: number, executions = 2_000, planes: ControlPlane[] = [{} as ControlPlane]) {
  return new ControlActions(planes, seededRandom(99), {
    executions,
    steps: 6,
    seed: 42,
    live: 1_000,
    ...shares,
    large,
  });
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
    const inputs = new Map<number, ChaosState>();
    const plane = {
      start: (req: { input: ChaosState; idempotencyKey: string }) => {
        const index = Number(req.idempotencyKey.split('-').pop());
        inputs.set(index, req.input);
        return Promise.resolve({ head: { id: `exec_${index}` } });
      },
    } as unknown as ControlPlane;
    const a = actions(0.5, 20, [plane]);
    await a.startAll(2, () => false);
    expect(inputs.size).toBe(20);
    expect(a.plans.some((p) => p.large) && a.plans.some((p) => !p.large)).toBe(true);
    for (const plan of a.plans) {
      const input = inputs.get(plan.index)!;
      if (plan.large) expect(input.ballast).toBe(chaosBallast(deriveSeed(42, plan.index)));
      else expect(input).not.toHaveProperty('ballast');
    }
  });
});
