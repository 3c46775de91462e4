import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { ControlPlane, defineWorkflow, type Logger, WorkflowRegistry } from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryStepQueue, ManualClock } from '../../../lib/testing/index.js';
import { EngineLogFormatter, eventLogger, powertoolsLogger } from '../../../functions/shared/logging.js';
import type { MetricsSink } from '../../../functions/shared/metrics.js';
import { makeStepWorker } from '../../../functions/worker/step-worker-handler.js';

// Where execution state may appear (docs/security.md): not in logs unless LOG_STATE is
// on, and never in metrics.

const SECRET = 'tide-table-4471';

/** Runs a two-step execution whose state holds SECRET through the step worker; returns every log line and metric. */
async function runThroughWorker(logState: boolean) {
  const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const recorded: unknown[] = [];
  const metrics: MetricsSink = {
    count: (name, value) => void recorded.push([name, value]),
    milliseconds: (name, value) => void recorded.push([name, value]),
    flush: () => undefined,
  };
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const queue = new InMemoryStepQueue({ clock });
  const workflow = defineWorkflow<{ note: string; seen?: number }>({
    name: 'notes',
    steps: [
      { name: 'read', fn: (s) => ({ ...s, seen: 1 }) },
      { name: 'again', fn: (s) => ({ ...s, seen: 2 }) },
    ],
  });
  const runtime = {
    store: new InMemoryExecutionStore(),
    queue,
    workflows: new WorkflowRegistry().register(workflow),
    clock,
    logger,
    onEvent: eventLogger(logger, logState),
  };
  const worker = makeStepWorker({ runtime, logger, metrics });
  const { head } = await new ControlPlane(runtime).start({ workflow: 'notes', input: { note: SECRET } });
  const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1' };
  await queue.drain(async (message) => {
    await worker(
      { Records: [{ messageId: `m${queue.sent.length}`, body: JSON.stringify(message) }] } as never,
      context,
    );
  });
  return { id: head.id, lines, logs: JSON.stringify(lines), metrics: JSON.stringify(recorded) };
}

describe('the logs and metrics of the functions', () => {
  it('carry ids, steps and counts but not the execution state while LOG_STATE is off', async () => {
    const { id, logs, metrics } = await runThroughWorker(false);
    expect(logs).toContain(id);
    expect(logs).toContain('execution execution_completed');
    expect(logs).not.toContain(SECRET);
    expect(metrics).toContain('StepsCommitted');
    expect(metrics).not.toContain(SECRET);
    expect(metrics).not.toContain(id);
  });

  it('log one INFO line per step run, the routine step events at DEBUG, and the end at INFO', async () => {
    const { lines } = await runThroughWorker(false);
    const info = lines.filter((l) => l.level === 'info').map((l) => l.message);
    expect(info).toEqual(['step message processed', 'execution execution_completed', 'step message processed']);
    const debug = lines.filter((l) => l.level === 'debug').map((l) => l.message);
    expect(debug).toEqual(expect.arrayContaining(['execution step_started', 'execution checkpointed']));
  });

  it('put the state in the lifecycle log lines only when LOG_STATE is on, and still not in metrics', async () => {
    const { logs, metrics } = await runThroughWorker(true);
    expect(logs).toContain(SECRET);
    expect(metrics).not.toContain(SECRET);
  });

  it('writes Powertools JSON lines, with sampling_rate only while debug sampling is on', () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      powertoolsLogger('step-worker', 'INFO').info('step message processed', { executionId: 'exec_1', step: 2 });
      powertoolsLogger('step-worker', 'INFO').debug('not at INFO');
      new PowertoolsLogger({ serviceName: 'api', sampleRateValue: 1, logFormatter: new EngineLogFormatter() }).info(
        'sampled',
      );
    } finally {
      write.mockRestore();
    }
    // Sampling on, Powertools says so in a DEBUG line of its own first.
    expect(lines).toHaveLength(3);
    const [plain, , sampled] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(Object.keys(plain ?? {})).toEqual(['level', 'message', 'timestamp', 'service', 'executionId', 'step']);
    expect(plain).toMatchObject({ level: 'INFO', message: 'step message processed', service: 'step-worker', step: 2 });
    expect(Date.parse(String(plain?.['timestamp']))).not.toBeNaN();
    expect(sampled).toMatchObject({ level: 'INFO', message: 'sampled', service: 'api', sampling_rate: 1 });
  });
});
