import { describe, expect, it } from 'vitest';
import {
  checkDeploy,
  DEPLOY_CHECK_MAX_IDS,
  defineWorkflow,
  formatDeployCheck,
  listUnfinishedExecutions,
  stepListsHash,
  WorkflowRegistry,
  type DeployCheckExecution,
  type Page,
} from '../../../lib/index.js';

const step = (name: string) => ({ name, fn: async (s: unknown) => s });

/** Before the deploy: research = plan, search, write; approval = ask, decide. */
const research = defineWorkflow({ name: 'research', steps: [step('plan'), step('search'), step('write')] });

function exec(
  id: string,
  stepNames: string[],
  currentStep = 0,
  state = 'running',
  workflow = 'research',
): DeployCheckExecution {
  return { id, workflow, state, stepNames, currentStep };
}

/** An execution started under workflow version `version` (none when undefined). */
function versioned(id: string, stepNames: string[], version: string | undefined): DeployCheckExecution {
  return { ...exec(id, stepNames), ...(version === undefined ? {} : { workflowVersion: version }) };
}

describe('checkDeploy', () => {
  it('groups executions that would reach a renamed step by workflow and missing step, with counts', () => {
    // "search" was renamed "lookup": every execution not past it is stranded.
    const renamed = defineWorkflow({ name: 'research', steps: [step('plan'), step('lookup'), step('write')] });
    const old = ['plan', 'search', 'write'];
    const report = checkDeploy(new WorkflowRegistry().register(renamed), [
      exec('e1', old, 0),
      exec('e2', old, 1, 'waiting'),
      exec('e3', old, 1, 'paused'),
      exec('e4', old, 2), // past "search": only among steps already run
    ]);
    expect(report.ok).toBe(false);
    expect(report.scanned).toBe(4);
    expect(report.stranded).toEqual([
      { workflow: 'research', missingStep: 'search', count: 3, executionIds: ['e1', 'e2', 'e3'] },
    ]);
    expect(report.strandedExecutions).toBe(3);
    expect(report.missingAmongRun).toEqual([
      { workflow: 'research', missingStep: 'search', count: 1, executionIds: ['e4'] },
    ]);
    expect(report.changedSteps).toEqual([]);
    const text = formatDeployCheck(report);
    expect(text).toMatch(/STRANDED: 3 execution\(s\)/);
    expect(text).toMatch(/research\s+search\s+3\s+e1, e2, e3/);
    expect(text).toMatch(/missing only among steps already run: 1/);
    expect(text).toMatch(/FAILED: 3 execution\(s\) would be stranded/);
  });

  it('a step missing only among the steps already run fails the check only when strict', () => {
    const renamed = defineWorkflow({ name: 'research', steps: [step('draft'), step('search'), step('write')] });
    const executions = [exec('e1', ['plan', 'search', 'write'], 1)];
    expect(checkDeploy([renamed], executions).ok).toBe(true);
    expect(checkDeploy([renamed], executions, { strict: true }).ok).toBe(false);
  });

  it('strands every execution of a removed workflow whose steps no other workflow registers', () => {
    const other = defineWorkflow({ name: 'other', steps: [step('alpha')] });
    const report = checkDeploy(new WorkflowRegistry().register(other), [
      exec('e1', ['plan', 'search', 'write'], 0),
      exec('e2', ['plan', 'search', 'write'], 2),
    ]);
    expect(report.ok).toBe(false);
    expect(report.stranded.map((g) => [g.missingStep, g.count])).toEqual([
      ['plan', 1],
      ['search', 1],
      ['write', 2],
    ]);
    expect(report.strandedExecutions).toBe(2);
    // e2 is stranded (write is ahead), so its missing plan/search are not also reported as "already run".
    expect(report.missingAmongRun).toEqual([]);
  });

  it('flags a changed step order or length in changedSteps, but passes', () => {
    const reordered = defineWorkflow({ name: 'research', steps: [step('search'), step('plan'), step('write')] });
    const report = checkDeploy(
      [reordered],
      [
        exec('e1', ['plan', 'search', 'write'], 1),
        exec('e2', ['plan', 'search', 'write'], 0, 'paused'),
        exec('e3', ['plan', 'write'], 0),
        exec('e4', ['search', 'plan', 'write'], 0), // same list: not flagged
      ],
    );
    expect(report.ok).toBe(true);
    expect(report.stranded).toEqual([]);
    expect(report.changedSteps).toEqual([
      {
        workflow: 'research',
        count: 2,
        executionSteps: ['plan', 'search', 'write'],
        deployedSteps: ['search', 'plan', 'write'],
        executionVersion: null,
        deployedVersion: null,
        executionIds: ['e1', 'e2'],
      },
      {
        workflow: 'research',
        count: 1,
        executionSteps: ['plan', 'write'],
        deployedSteps: ['search', 'plan', 'write'],
        executionVersion: null,
        deployedVersion: null,
        executionIds: ['e3'],
      },
    ]);
    // No version anywhere: nothing is flagged for a version, and the text names none.
    expect(report.versionChanged).toEqual([]);
    const text = formatDeployCheck(report);
    expect(text).toMatch(/run the NEW code from their next step on/);
    expect(text).toMatch(/ok: no execution would be stranded/);
    expect(text).toContain(
      'research: 2 execution(s) started with [plan, search, write], deployed [search, plan, write]: e1, e2',
    );
    expect(text).not.toMatch(/version/);
    // A report saved by a CLI from before versions (no versionChanged) still prints.
    const { versionChanged: _, ...older } = report;
    expect(formatDeployCheck(older as typeof report)).toBe(text);
  });

  it('flags a workflow that is gone but whose steps another workflow still registers as changed, deployedSteps null', () => {
    const merged = defineWorkflow({
      name: 'merged',
      steps: research.steps.map((s) => ({ name: s.name, fn: s.fn })),
    });
    const report = checkDeploy([merged], [exec('e1', ['plan', 'search', 'write'])]);
    expect(report.ok).toBe(true);
    expect(report.changedSteps).toEqual([
      expect.objectContaining({ workflow: 'research', deployedSteps: null, executionIds: ['e1'] }),
    ]);
    expect(formatDeployCheck(report)).toMatch(/workflow no longer deployed/);
  });

  it('ignores finished executions and passes with nothing to report', () => {
    const other = defineWorkflow({ name: 'other', steps: [step('alpha')] });
    const report = checkDeploy(
      [other],
      ['completed', 'failed', 'cancelled'].map((state, i) => exec(`e${i}`, ['plan'], 0, state)),
    );
    expect(report).toEqual({
      scanned: 0,
      stranded: [],
      strandedExecutions: 0,
      missingAmongRun: [],
      missingAmongRunExecutions: 0,
      changedSteps: [],
      versionChanged: [],
      ok: true,
    });
  });

  it('lists at most DEPLOY_CHECK_MAX_IDS ids per group and counts them all', () => {
    const executions = Array.from({ length: 25 }, (_, i) => exec(`e${i}`, ['gone']));
    const report = checkDeploy([research], executions);
    expect(report.stranded[0]!.count).toBe(25);
    expect(report.stranded[0]!.executionIds).toHaveLength(DEPLOY_CHECK_MAX_IDS);
    expect(formatDeployCheck(report)).toMatch(/\(5 more\)/);
  });

  it('refuses bad inputs with errors that name the problem', () => {
    expect(() => checkDeploy({} as never, [])).toThrow(/list\(\) and step\(name\)/);
    expect(() => checkDeploy([{ name: 'x' }] as never, [])).toThrow(/workflows\[0\] is not a workflow/);
    expect(() => checkDeploy([research], 42 as never)).toThrow(/iterable/);
    expect(() => checkDeploy([research], [{ id: 'e1', workflow: 'w', state: 'running' }] as never)).toThrow(
      /execution 0 \(e1\) has no stepNames list/,
    );
    expect(() => checkDeploy([research], [exec('e1', ['plan'], -1)])).toThrow(/currentStep/);
  });
});

describe('listUnfinishedExecutions', () => {
  it('reads every page of running, waiting and paused executions, once each', async () => {
    const byState: Record<string, { id: string }[]> = {
      running: [{ id: 'r1' }, { id: 'r2' }, { id: 'r3' }],
      waiting: [{ id: 'w1' }, { id: 'r3' }], // r3 moved on while the pages were read
      paused: [],
    };
    const calls: string[] = [];
    const list = async (q: { state: string; limit: number; nextToken?: string }): Promise<Page<{ id: string }>> => {
      calls.push(`${q.state}:${q.nextToken ?? '-'}`);
      const all = byState[q.state] ?? [];
      const from = Number(q.nextToken ?? '0');
      const items = all.slice(from, from + q.limit);
      return from + q.limit < all.length ? { items, nextToken: String(from + q.limit) } : { items };
    };
    const found = await listUnfinishedExecutions(list, { pageSize: 2 });
    expect(found.map((e) => e.id)).toEqual(['r1', 'r2', 'r3', 'w1']);
    // Two passes: the second finds an execution that moved into a state already read.
    const pass = ['running:-', 'running:2', 'waiting:-', 'paused:-'];
    expect(calls).toEqual([...pass, ...pass]);
  });

  it('finds in its second pass an execution that moved from waiting to running during the first', async () => {
    const moving = () => {
      let moved = false;
      return async (q: { state: string }) => {
        if (q.state === 'running' && moved) return { items: [{ id: 'x1' }] };
        if (q.state === 'waiting') moved = true; // x1 left waiting for running just before waiting was read
        return { items: [] };
      };
    };
    expect((await listUnfinishedExecutions(moving())).map((e) => e.id)).toEqual(['x1']);
    expect(await listUnfinishedExecutions(moving(), { passes: 1 })).toEqual([]);
    await expect(listUnfinishedExecutions(moving(), { passes: 0 })).rejects.toThrow(/passes/);
  });

  it('refuses a listing that repeats its page token, and a bad page size', async () => {
    const loop = async () => ({ items: [], nextToken: 'same' });
    await expect(listUnfinishedExecutions(loop)).rejects.toThrow(/repeated a page token/);
    await expect(listUnfinishedExecutions(loop, { pageSize: 0 })).rejects.toThrow(/pageSize/);
  });
});

describe('stepListsHash', () => {
  it('changes with a step list, not with registration order', () => {
    const other = defineWorkflow({ name: 'other', steps: [step('alpha')] });
    const reordered = defineWorkflow({ name: 'research', steps: [step('search'), step('plan'), step('write')] });
    expect(stepListsHash([research, other])).toBe(stepListsHash([other, research]));
    expect(stepListsHash([research, other])).not.toBe(stepListsHash([reordered, other]));
  });
});

describe('checkDeploy with workflow versions', () => {
  const v2 = (steps: string[]) => defineWorkflow({ name: 'research', version: '2', steps: steps.map(step) });

  it('groups executions of a changed step list by the version they started under, with the deployed version', () => {
    const report = checkDeploy(
      [v2(['search', 'plan', 'write'])],
      [
        versioned('e1', ['plan', 'search', 'write'], '1'),
        versioned('e2', ['plan', 'search', 'write'], undefined),
        versioned('e3', ['plan', 'search', 'write'], '1'),
        versioned('e4', ['plan', 'search', 'write'], '1.5'),
      ],
    );
    expect(report.ok).toBe(true);
    expect(report.changedSteps).toEqual([
      {
        workflow: 'research',
        count: 1,
        executionSteps: ['plan', 'search', 'write'],
        deployedSteps: ['search', 'plan', 'write'],
        executionVersion: null,
        deployedVersion: '2',
        executionIds: ['e2'],
      },
      {
        workflow: 'research',
        count: 2,
        executionSteps: ['plan', 'search', 'write'],
        deployedSteps: ['search', 'plan', 'write'],
        executionVersion: '1',
        deployedVersion: '2',
        executionIds: ['e1', 'e3'],
      },
      expect.objectContaining({ executionVersion: '1.5', deployedVersion: '2', executionIds: ['e4'] }),
    ]);
    expect(report.versionChanged).toEqual([]);
    const text = formatDeployCheck(report);
    expect(text).toContain(
      'research: 2 execution(s) started (version "1") with [plan, search, write], deployed (version "2") ' +
        '[search, plan, write]: e1, e3',
    );
    expect(text).toContain('research: 1 execution(s) started (no version) with [plan, search, write]');
    expect(text).toMatch(/run the NEW code from their next step on/);
  });

  it('flags an execution with the same step list under another version in versionChanged, and passes', () => {
    const list = ['plan', 'search', 'write'];
    const report = checkDeploy(
      [v2(list)],
      [
        versioned('e1', list, '1'),
        versioned('e2', list, '2'), // the deployed version: not flagged
        versioned('e3', list, '1'),
        versioned('e4', list, undefined), // started with no version recorded
      ],
    );
    expect(report.ok).toBe(true);
    expect(report.changedSteps).toEqual([]);
    expect(report.versionChanged).toEqual([
      { workflow: 'research', count: 1, executionVersion: null, deployedVersion: '2', executionIds: ['e4'] },
      { workflow: 'research', count: 2, executionVersion: '1', deployedVersion: '2', executionIds: ['e1', 'e3'] },
    ]);
    const text = formatDeployCheck(report);
    expect(text).toMatch(/changed workflow version: .* they will run the NEW code from their next step on:/);
    expect(text).toContain('research: 2 execution(s) started (version "1"), deployed (version "2"): e1, e3');
    expect(text).toContain('research: 1 execution(s) started (no version), deployed (version "2"): e4');
    expect(text).toMatch(/ok: no execution would be stranded/);
  });

  it('flags a version dropped from the deployed workflow, and never a version on its own as stranded', () => {
    const unversioned = defineWorkflow({ name: 'research', steps: ['plan', 'search', 'write'].map(step) });
    const report = checkDeploy([unversioned], [versioned('e1', ['plan', 'search', 'write'], '1')]);
    expect(report.ok).toBe(true);
    expect(report.strandedExecutions).toBe(0);
    expect(report.versionChanged).toEqual([
      { workflow: 'research', count: 1, executionVersion: '1', deployedVersion: null, executionIds: ['e1'] },
    ]);
  });

  it('reads a null workflowVersion (a JSON view) as none, and refuses one that is not a string', () => {
    const list = ['plan', 'search', 'write'];
    const report = checkDeploy([v2(list)], [{ ...exec('e1', list), workflowVersion: null }]);
    expect(report.versionChanged).toEqual([expect.objectContaining({ executionVersion: null, executionIds: ['e1'] })]);
    const bad = { ...exec('e2', list), workflowVersion: 2 } as unknown as DeployCheckExecution;
    expect(() => checkDeploy([v2(list)], [bad])).toThrow(
      /execution 0 \(e2\) has a workflowVersion that is not a string/,
    );
  });
});
