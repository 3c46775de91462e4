import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { LongRunningError } from '../../../lib/core/errors.js';
import type { LogFields, Logger } from '../../../lib/core/logger.js';
import type { Execution } from '../../../lib/core/types.js';

/** A paused named execution with two checkpoints and metadata: every field filled. */
export function sampleExecution(overrides: Partial<Execution> = {}): Execution {
  return {
    id: 'exec_0123456789abcdef0123456789abcdef',
    name: 'report',
    state: 'paused',
    progress: 50,
    currentStep: 1,
    totalSteps: 2,
    stepNames: ['fetch', 'summarise'],
    startTime: new Date('2025-03-01T04:30:00.123Z'),
    lastUpdate: new Date('2025-03-01T04:31:00.456Z'),
    checkpoints: [
      { id: 'cp_a', step: 0, state: { topic: 'q3' }, timestamp: new Date('2025-03-01T04:30:00.200Z') },
      {
        id: 'cp_b',
        step: 1,
        state: { topic: 'q3', rows: [1, 2, 3] },
        timestamp: new Date('2025-03-01T04:31:00.400Z'),
        metadata: { attempt: 1 },
      },
    ],
    metadata: { owner: 'ops', priority: 2 },
    ...overrides,
  };
}

/** One log call, as a capturing logger records it. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** A logger that keeps every call in `entries`. */
export function capturingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields?: LogFields): void => {
      entries.push({ level, message, fields });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'longrunning-stores-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * What Go's `json.Marshal` writes for a paused named execution: nanosecond
 * fractions, +05:30 and -08:00 offsets, a trimmed fraction, and `Z`.
 */
export const GO_PAUSED_DOCUMENT = `{"id":"exec_9f86d081884c7d659a2feaa0c55ad015","name":"report","state":"paused","progress":66.66666666666667,"current_step":2,"total_steps":3,"step_names":["fetch","analyse","summarise"],"start_time":"2025-03-01T10:00:00.123456789+05:30","last_update":"2025-03-01T10:05:30.5-08:00","checkpoints":[{"id":"cp_1b4f0e9851971998e732078544c96b36","step":1,"state":{"rows":3},"timestamp":"2025-03-01T04:31:00.999999999Z"},{"id":"cp_3c59dc048e8850243be8079a5c74d079","step":2,"state":{"rows":3,"summary":"ok"},"timestamp":"2025-03-01T04:32:00Z","metadata":{"attempt":1}}],"metadata":{"owner":"ops","priority":2}}`;

/** What Go writes for a new anonymous execution: no step_names, metadata or end_time; nil checkpoints. */
export const GO_NEW_DOCUMENT = `{"id":"exec_c4ca4238a0b923820dcc509a6f75849b","name":"anonymous","state":"initialized","progress":0,"current_step":0,"total_steps":2,"start_time":"2025-03-01T10:00:00.000000001Z","last_update":"2025-03-01T10:00:00.000000999Z","checkpoints":null}`;

/** What Go writes for a failed execution: end_time and error set, metadata null. */
export const GO_FAILED_DOCUMENT = `{"id":"exec_failed_1","name":"etl","state":"failed","progress":50,"current_step":1,"total_steps":2,"start_time":"2024-12-31T23:59:59.999999999-08:00","last_update":"2025-01-01T08:00:01.25Z","end_time":"2025-01-01T13:30:01.250000001+05:30","checkpoints":[],"metadata":null,"error":"step 1: upstream returned 503"}`;

/** Runs `fn` and returns the LongRunningError it threw, failing the test when it does not throw one. */
export function thrownBy(fn: () => unknown): LongRunningError {
  try {
    fn();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(LongRunningError);
    return thrown as LongRunningError;
  }
  throw new Error('expected a throw');
}
