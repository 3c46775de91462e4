import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { CheckpointStore } from '../../../lib/stores/checkpoint-store.js';
import type { Execution, NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { StepRegistry } from '../../../lib/core/step-registry.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { FAST, gate, harness, until } from './helpers.js';

const counting = (log: string[]): NamedStep<number>[] => [
  { name: 'one', fn: (s) => (log.push('one'), s + 1) },
  { name: 'two', fn: (s) => (log.push('two'), s * 2) },
  { name: 'three', fn: (s) => (log.push('three'), s + 100) },
];

/** Simulates a crash: the execution stopped at `currentStep` with `state` saved as running. */
async function crashedAt(
  store: CheckpointStore,
  currentStep: number,
  state: number,
  status: ExecutionState = ExecutionState.Running,
): Promise<Execution> {
  const first = new Executor(FAST, { checkpointStore: store });
  const exec = first.createNamedExecution('crashy', counting([]));
  const now = new Date();
  const saved: Execution = {
    ...exec,
    state: status,
    currentStep,
    progress: (currentStep / 3) * 100,
    checkpoints: [{ id: 'cp_1', step: currentStep, state, timestamp: now }],
  };
  await store.saveCheckpoint(saved);
  return saved;
}

describe('StepRegistry', () => {
  it('registers, gets and replaces steps by name', () => {
    const registry = new StepRegistry();
    const a = (s: unknown) => s;
    const b = (s: unknown) => s;
    expect(registry.get('x')).toBeUndefined();
    registry.register('x', a);
    expect(registry.get('x')).toBe(a);
    registry.register('x', b);
    expect(registry.get('x')).toBe(b);
    expect(registry.names()).toEqual(['x']);
    expect(() => registry.register('', a)).toThrow(/step name/);
    expect(() => registry.register('y', 'nope' as never)).toThrow(/function/);
  });
});

describe('Executor named steps and resume by name', () => {
  it('records step names and registers the steps', () => {
    const { executor } = harness();
    const exec = executor.createNamedExecution('named', counting([]));
    expect(exec.stepNames).toEqual(['one', 'two', 'three']);
    expect(executor.registry.get('two')).toBeTypeOf('function');
  });

  it('resumes a loaded execution from its checkpoint without re-running finished steps', async () => {
    const store = new MemoryCheckpointStore();
    await crashedAt(store, 1, 5);
    const [stored] = await store.listCheckpoints();
    const log: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of counting(log)) executor.registry.register(s.name, s.fn);
    const loaded = await executor.loadExecution(stored!.id);
    expect(loaded.currentStep).toBe(1);
    await executor.resumeExecution(stored!.id, 5);
    const done = await executor.wait(stored!.id);
    expect(log).toEqual(['two', 'three']);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toBe(110);
  });

  it('rejects resuming an execution without step names', async () => {
    const { executor, store } = harness();
    const exec = executor.createExecution('anon', [(s) => s]);
    await store.saveCheckpoint({ ...exec, state: ExecutionState.Running });
    const other = new Executor(FAST, { checkpointStore: store });
    await other.loadExecution(exec.id);
    await expect(other.resumeExecution(exec.id, 1)).rejects.toThrow(/no step names/);
  });

  it('rejects resuming when a step is not registered, naming it', async () => {
    const store = new MemoryCheckpointStore();
    const saved = await crashedAt(store, 0, 1);
    const executor = new Executor(FAST, { checkpointStore: store });
    executor.registry.register('one', (s) => s);
    await executor.loadExecution(saved.id);
    await expect(executor.resumeExecution(saved.id, 1)).rejects.toMatchObject({
      code: 'STEP_NOT_REGISTERED',
      message: expect.stringContaining('"two"'),
    });
  });

  it('rejects loading an unknown execution', async () => {
    const { executor } = harness();
    await expect(executor.loadExecution('exec_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(executor.resumeExecution('exec_missing', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('Executor.autoResumeAll', () => {
  it('resumes running executions whose steps are registered and skips finished ones', async () => {
    const store = new MemoryCheckpointStore();
    const running = await crashedAt(store, 2, 7);
    const finished = await crashedAt(store, 3, 9, ExecutionState.Completed);
    const log: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of counting(log)) executor.registry.register(s.name, s.fn);
    expect(await executor.autoResumeAll()).toBe(1);
    const done = await executor.wait(running.id);
    expect(done.checkpoints.at(-1)?.state).toBe(107);
    expect(log).toEqual(['three']);
    expect(executor.getExecution(finished.id)).toBeUndefined();
  });

  it('loads paused executions but leaves them paused until resume', async () => {
    const store = new MemoryCheckpointStore();
    const paused = await crashedAt(store, 1, 3, ExecutionState.Paused);
    const log: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of counting(log)) executor.registry.register(s.name, s.fn);
    expect(await executor.autoResumeAll()).toBe(0);
    expect(executor.getExecution(paused.id)?.state).toBe(ExecutionState.Paused);
    expect(log).toEqual([]);
    await executor.resume(paused.id);
    const done = await executor.wait(paused.id);
    expect(log).toEqual(['two', 'three']);
    expect(done.checkpoints.at(-1)?.state).toBe(106);
  });

  it('skips executions with unregistered steps and says why', async () => {
    const store = new MemoryCheckpointStore();
    await crashedAt(store, 0, 1);
    const { executor, logs } = harness({}, { checkpointStore: store });
    expect(await executor.autoResumeAll()).toBe(0);
    expect(logs.some((l) => l.level === 'warn' && String(l.fields?.reason).includes('one'))).toBe(true);
  });

  it('only loads when autoResume is off', async () => {
    const store = new MemoryCheckpointStore();
    const saved = await crashedAt(store, 0, 1);
    const executor = new Executor({ ...FAST, autoResume: false }, { checkpointStore: store });
    for (const s of counting([])) executor.registry.register(s.name, s.fn);
    expect(await executor.autoResumeAll()).toBe(0);
    expect(executor.getExecution(saved.id)?.state).toBe(ExecutionState.Running);
  });

  it('survives a restart mid-run with a custom store: a new executor finishes the work once', async () => {
    const store = new MemoryCheckpointStore();
    const log: string[] = [];
    const hold = gate();
    const first = new Executor(FAST, { checkpointStore: store });
    const steps: NamedStep<number>[] = [
      { name: 'a', fn: (s) => (log.push('a'), s + 1) },
      { name: 'b', fn: async (s) => (log.push('b'), await hold.wait, s + 1) },
      { name: 'c', fn: (s) => (log.push('c'), s + 1) },
    ];
    const exec = first.createNamedExecution('restart', steps);
    await first.start(exec.id, 0);
    await until(() => log.includes('b'), 'step b');
    // the process "dies" here: the first executor is abandoned mid-step.
    const second = new Executor(FAST, { checkpointStore: store });
    for (const s of steps) second.registry.register(s.name, s.fn);
    hold.open();
    expect(await second.autoResumeAll()).toBe(1);
    const done = await second.wait(exec.id);
    expect(done.checkpoints.at(-1)?.state).toBe(3);
    expect(log.filter((x) => x === 'a')).toHaveLength(1);
  });

  it('resumes an execution loaded with loadExecution that is not running, as the Go package does', async () => {
    const store = new MemoryCheckpointStore();
    const saved = await crashedAt(store, 1, 3);
    const log: string[] = [];
    const executor = new Executor(FAST, { checkpointStore: store });
    for (const s of counting(log)) executor.registry.register(s.name, s.fn);
    await executor.loadExecution(saved.id);
    const waiting = executor.wait(saved.id);
    expect(await executor.autoResumeAll()).toBe(1);
    expect((await waiting).checkpoints.at(-1)?.state).toBe(106);
    expect(log).toEqual(['two', 'three']);
  });

  it('does not resume an execution this executor is running, nor one it has finished', async () => {
    const store = new MemoryCheckpointStore();
    const log: string[] = [];
    const hold = gate();
    const executor = new Executor(FAST, { checkpointStore: store });
    const steps: NamedStep<number>[] = [
      { name: 'a', fn: async (s) => (log.push('a'), await hold.wait, s + 1) },
      { name: 'b', fn: (s) => (log.push('b'), s + 1) },
    ];
    for (const s of steps) executor.registry.register(s.name, s.fn);
    const exec = executor.createNamedExecution('busy', steps);
    await executor.start(exec.id, 0);
    await until(() => log.includes('a'), 'step a');
    expect(await executor.autoResumeAll()).toBe(0);
    hold.open();
    await executor.wait(exec.id);
    expect(await executor.autoResumeAll()).toBe(0);
    expect(log).toEqual(['a', 'b']);
  });
});
