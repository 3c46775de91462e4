import { describe, expect, it } from 'vitest';
import {
  addUsage,
  budgetMessage,
  isEmptyUsage,
  overBudget,
  usageRecorder,
  validateBudget,
  validateUsage,
} from '../../../lib/core/usage.js';

describe('usage and budgets', () => {
  it('adds usage unit by unit, custom units included', () => {
    expect(addUsage({ tokens: 10, costUsd: 0.5 }, { tokens: 5, searches: 2 })).toEqual({
      tokens: 15,
      costUsd: 0.5,
      searches: 2,
    });
    expect(addUsage(undefined, undefined)).toEqual({});
    expect(isEmptyUsage({ tokens: 0 })).toBe(true);
    expect(isEmptyUsage({ tokens: 1 })).toBe(false);
  });

  it('finds the units past their bound (used > limit), and words the pause', () => {
    const over = overBudget({ tokens: 1_001, costUsd: 2 }, { tokens: 1_000, costUsd: 2 });
    expect(over).toEqual([{ unit: 'tokens', used: 1_001, limit: 1_000 }]);
    expect(budgetMessage(over)).toBe('budget exceeded: tokens 1001 of 1000; raise the budget to resume');
    expect(overBudget({ tokens: 5 }, undefined)).toEqual([]);
    expect(overBudget(undefined, { costUsd: 1 })).toEqual([]);
  });

  it('refuses bad usage and budgets with an error that names the problem', () => {
    expect(() => validateUsage({ tokens: -1 })).toThrow('usage.tokens must be 0 or more, got -1');
    expect(() => validateUsage({ tokens: Number.NaN })).toThrow('usage.tokens must be a finite number');
    expect(() => validateUsage({ 'bad unit': 1 })).toThrow('unit "bad unit" must be 1 to 64 letters');
    expect(() => validateUsage([1])).toThrow('usage must be an object of amounts by unit');
    expect(() => validateBudget({ costUsd: 0 })).toThrow('budget.costUsd must be greater than 0, got 0');
    expect(() => validateBudget({ costUsd: -5 })).toThrow('budget.costUsd must be greater than 0, got -5');
    expect(() => validateBudget({})).toThrow('budget must limit at least one unit');
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`u${i}`, 1]));
    expect(() => validateBudget(many)).toThrow('budget names 17 units; at most 16');
    expect(validateBudget({ tokens: 100, costUsd: 0.5 })).toEqual({ tokens: 100, costUsd: 0.5 });
  });

  it('refuses a unit every object inherits, which would read as a function, not 0', () => {
    for (const unit of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
      expect(() => validateUsage({ [unit]: 1 })).toThrow(`unit "${unit}" is a name every JavaScript object has`);
      expect(() => validateBudget({ [unit]: 5 })).toThrow(`unit "${unit}" is a name every JavaScript object has`);
    }
    // Sums and bounds read own amounts only, whatever a stored record holds.
    expect(addUsage({}, JSON.parse('{"constructor":10}') as Record<string, number>)).toEqual({ constructor: 10 });
    expect(overBudget(JSON.parse('{"constructor":3}') as Record<string, number>, { constructor: 1 })).toEqual([
      { unit: 'constructor', used: 3, limit: 1 },
    ]);
    expect(overBudget({}, { valueOf: 1 })).toEqual([]);
  });

  it('records what a step run reports, adding calls up, and refuses a bad report', () => {
    const r = usageRecorder();
    expect(r.total()).toBeUndefined();
    r.report({ tokens: 100 });
    r.report({ tokens: 20, costUsd: 0.01 });
    expect(r.total()).toEqual({ tokens: 120, costUsd: 0.01 });
    expect(() => r.report({ tokens: -3 })).toThrow('reportUsage.tokens must be 0 or more');
    expect(r.total()).toEqual({ tokens: 120, costUsd: 0.01 });
  });

  it('refuses a report that would take the execution past 16 units in all, keeping what it had', () => {
    const units = (prefix: string, n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 1]));
    const r = usageRecorder(units('a', 9));
    r.report(units('a', 9)); // the same 9 units: still 9
    r.report(units('b', 7)); // 16 in all
    expect(() => r.report({ c0: 1 })).toThrow(
      /reportUsage: the execution would use 17 units in all, at most 16 \(a0, /,
    );
    expect(Object.keys(r.total() ?? {})).toHaveLength(16);
    expect(() => usageRecorder().report({ ...units('x', 10), ...units('y', 7) })).toThrow(/names 17 units; at most 16/);
  });
});
