import { describe, expect, it } from 'vitest';
import type { StepFunc } from '../../../lib/core/types.js';
import { defineWorkflow, isDefinedWorkflow } from '../../../lib/runtime/workflow.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';

const a: StepFunc = (s) => s;
const b: StepFunc = (s) => s;

describe('defineWorkflow', () => {
  it('returns a frozen workflow with its step names in order', () => {
    const wf = defineWorkflow({
      name: 'research',
      version: '2',
      steps: [
        { name: 'plan', fn: a },
        { name: 'write', fn: b },
      ],
    });
    expect(wf.name).toBe('research');
    expect(wf.version).toBe('2');
    expect(wf.stepNames).toEqual(['plan', 'write']);
    expect(Object.isFrozen(wf)).toBe(true);
    expect(Object.isFrozen(wf.steps)).toBe(true);
    expect(Object.isFrozen(wf.steps[0])).toBe(true);
    expect(isDefinedWorkflow(wf)).toBe(true);
    expect(isDefinedWorkflow({ ...wf })).toBe(false);
  });

  it.each(['', '-lead', 'has space', 'x'.repeat(65), 'a/b'])('refuses the workflow name %j', (name) => {
    expect(() => defineWorkflow({ name, steps: [{ name: 'a', fn: a }] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR' }),
    );
  });

  it('accepts names with dots, dashes and underscores up to 64 characters', () => {
    expect(defineWorkflow({ name: `A1_.-${'x'.repeat(59)}`, steps: [{ name: 'a', fn: a }] }).name).toHaveLength(64);
  });

  it('takes a checkpoint history of every or none, and refuses anything else', () => {
    const steps = [{ name: 'a', fn: a }];
    expect(defineWorkflow({ name: 'w', steps }).checkpointHistory).toBeUndefined();
    expect(defineWorkflow({ name: 'w', steps, checkpointHistory: 'none' }).checkpointHistory).toBe('none');
    expect(() => defineWorkflow({ name: 'w', steps, checkpointHistory: 'some' as 'none' })).toThrow(
      /checkpointHistory must be 'every' or 'none', got "some"/,
    );
  });

  it('refuses a workflow without steps', () => {
    expect(() => defineWorkflow({ name: 'empty', steps: [] })).toThrow(/at least one step/);
  });

  it('refuses an invalid step name and a step without a function', () => {
    expect(() => defineWorkflow({ name: 'w', steps: [{ name: '', fn: a }] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR' }),
    );
    expect(() => defineWorkflow({ name: 'w', steps: [{ name: 'bad\nname', fn: a }] })).toThrow(/step name/);
    expect(() => defineWorkflow({ name: 'w', steps: [{ name: 'a', fn: 'nope' as unknown as StepFunc }] })).toThrow(
      /function/,
    );
  });

  it('allows a repeated step name only for the same function', () => {
    expect(
      defineWorkflow({
        name: 'w',
        steps: [
          { name: 'a', fn: a },
          { name: 'a', fn: a },
        ],
      }).stepNames,
    ).toEqual(['a', 'a']);
    expect(() =>
      defineWorkflow({
        name: 'w',
        steps: [
          { name: 'a', fn: a },
          { name: 'a', fn: b },
        ],
      }),
    ).toThrow(/two different functions/);
  });
});

describe('WorkflowRegistry', () => {
  it('registers, gets, lists and finds steps across workflows', () => {
    const one = defineWorkflow({ name: 'one', steps: [{ name: 'a', fn: a }] });
    const two = defineWorkflow({
      name: 'two',
      steps: [
        { name: 'a', fn: a },
        { name: 'b', fn: b },
      ],
    });
    const reg = new WorkflowRegistry().register(one).register(two).register(one);
    expect(reg.list().map((w) => w.name)).toEqual(['one', 'two']);
    expect(reg.get('two')).toBe(two);
    expect(reg.get('three')).toBeUndefined();
    expect(reg.has('one')).toBe(true);
    expect(reg.has('three')).toBe(false);
    expect(reg.step('a')).toBe(a);
    expect(reg.step('b')).toBe(b);
    expect(reg.step('c')).toBeUndefined();
  });

  it('refuses a different workflow under a registered name', () => {
    const reg = new WorkflowRegistry().register(defineWorkflow({ name: 'one', steps: [{ name: 'a', fn: a }] }));
    expect(() => reg.register(defineWorkflow({ name: 'one', steps: [{ name: 'a', fn: a }] }))).toThrow(
      /already registered/,
    );
  });

  it('refuses a step name bound to a different function, adding nothing', () => {
    const reg = new WorkflowRegistry().register(defineWorkflow({ name: 'one', steps: [{ name: 'a', fn: a }] }));
    const clash = defineWorkflow({
      name: 'two',
      steps: [
        { name: 'c', fn: b },
        { name: 'a', fn: b },
      ],
    });
    expect(() => reg.register(clash)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/"a"/) }),
    );
    expect(reg.has('two')).toBe(false);
    expect(reg.step('c')).toBeUndefined();
    expect(reg.step('a')).toBe(a);
  });

  it('refuses objects that did not come from defineWorkflow', () => {
    const fake = Object.freeze({ name: 'x', stepNames: ['a'], steps: [{ name: 'a', fn: a }] });
    expect(() => new WorkflowRegistry().register(fake)).toThrow(/defineWorkflow/);
  });
});
