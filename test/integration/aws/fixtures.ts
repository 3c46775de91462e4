import { randomBytes } from 'node:crypto';
import type { NewExecution } from '../../../lib/runtime/ports.js';

/** A fresh execution id. */
export function newTestId(): string {
  return `exec_${randomBytes(8).toString('hex')}`;
}

/** A new three-step execution created at `now` (defaults filled, all overridable). */
export function newExecution(overrides: Partial<NewExecution> = {}): NewExecution {
  const now = overrides.now ?? 1_700_000_000_000;
  return {
    id: newTestId(),
    name: 'report',
    workflow: 'reports',
    stepNames: ['fetch', 'analyse', 'write'],
    input: { topic: 'q3' },
    now,
    metadata: { owner: 'ops' },
    sweepAt: now + 60_000,
    events: [],
    ...overrides,
  };
}
