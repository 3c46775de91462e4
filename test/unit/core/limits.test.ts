import { describe, expect, it } from 'vitest';
import { limitKeyOf, validateLimits } from '../../../lib/core/limits.js';
import { checkNamedSteps } from '../../../lib/core/step-list.js';

describe('limit declarations', () => {
  it('accepts keys as strings or functions with at least one bound', () => {
    const limits = validateLimits<{ tenant: string }>(
      [
        { key: 'openai', concurrency: 5 },
        { key: (s: { tenant: string }) => `openai:${s.tenant}`, perMinute: 600 },
        { key: 'search', perSecond: 0.5, concurrency: 1 },
      ],
      'step "call"',
    );
    expect(limits).toHaveLength(3);
    expect(Object.isFrozen(limits[0])).toBe(true);
  });

  it('refuses bad declarations with an error that names the step and the field', () => {
    const bad = (limits: unknown) => () => validateLimits(limits, 'step "call"');
    expect(bad({})).toThrow('step "call": limits must be an array');
    expect(bad([{ key: 'a', concurrency: 0 }])).toThrow(
      'step "call": limits[0].concurrency must be a whole number from 1 to 10000, got 0',
    );
    expect(bad([{ key: 'a', concurrency: 1.5 }])).toThrow('concurrency must be a whole number');
    expect(bad([{ key: 'a', perMinute: -1 }])).toThrow('limits[0].perMinute must be a number greater than 0, got -1');
    expect(bad([{ key: 'a' }])).toThrow('limits[0] must set concurrency, perSecond or perMinute');
    expect(bad([{ key: '', concurrency: 1 }])).toThrow('limits[0].key must be a string of 1 to 200 characters');
    expect(bad([{ key: 'a', concurrency: 1, burst: 3 }])).toThrow('unknown field(s) "burst"');
    expect(bad(Array.from({ length: 9 }, () => ({ key: 'a', concurrency: 1 })))).toThrow('at most 8 limits, got 9');
  });

  it('evaluates a key function, failing with an error that names the step when it throws or returns no key', () => {
    expect(limitKeyOf({ key: 'fixed', concurrency: 1 }, {}, 'call')).toBe('fixed');
    expect(limitKeyOf({ key: (s: { t: string }) => `p:${s.t}`, concurrency: 1 }, { t: 'acme' }, 'call')).toBe('p:acme');
    const throws = {
      key: () => {
        throw new Error('no tenant');
      },
      concurrency: 1,
    };
    expect(() => limitKeyOf(throws, {}, 'call')).toThrow('the limit key function of step "call" threw: no tenant');
    expect(() => limitKeyOf({ key: () => '', concurrency: 1 }, {}, 'call')).toThrow(
      'the limit key of step "call" must be a string of 1 to 200 characters',
    );
  });

  it('is checked with the steps, and kept on them', () => {
    const fn = (s: unknown) => s;
    const [step] = checkNamedSteps([{ name: 'call', fn, limits: [{ key: 'openai', concurrency: 3 }] }], 'workflow w');
    expect(step?.limits).toEqual([{ key: 'openai', concurrency: 3 }]);
    expect(() =>
      checkNamedSteps([{ name: 'call', fn, limits: [{ key: 'x', concurrency: -2 }] }], 'workflow w'),
    ).toThrow('workflow w: step "call": limits[0].concurrency must be a whole number');
  });
});
