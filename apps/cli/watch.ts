import { progressLine } from '../shared/progress-line.js';
import type { ApiClient } from './api-client.js';
import { currentStepName, describeWait, formatExecution, isFinished, type View } from './format.js';
import type { CliIo } from './cli-io.js';

/**
 * Polls an execution until it ends: a live progress bar with the current step's
 * name on a terminal, one line per change otherwise; then its outcome. Exit code
 * 0 when it completed, 1 when it failed or was cancelled.
 */
export async function watchExecution(
  client: ApiClient,
  encodedId: string,
  opts: { json: boolean; io: CliIo },
): Promise<number> {
  const { io } = opts;
  const tty = Boolean(io.stdout.isTTY) && !opts.json;
  const interval = io.watchIntervalMs ?? 1_000;
  let last = '';
  for (;;) {
    const view = (await client.request('GET', `/executions/${encodedId}`)) as View;
    const waiting = describeWait(view, (io.now ?? Date.now)());
    const where = `${currentStepName(view)} (${Math.min(view.currentStep, view.totalSteps)}/${view.totalSteps})`;
    const label = waiting ? `${view.state}: ${waiting}, then ${where}` : `${view.state}: ${where}`;
    if (opts.json) {
      const line = JSON.stringify({
        state: view.state,
        progress: view.progress,
        currentStep: view.currentStep,
        step: currentStepName(view),
      });
      if (line !== last) io.stdout.write(`${line}\n`);
      last = line;
    } else if (tty) {
      io.stdout.write(`\r\x1b[2K${progressLine({ percent: view.progress, label, tty: true })}`);
    } else {
      // One line per change of where it is, not per tick of a countdown.
      const key = `${view.state} ${view.wait?.kind ?? ''} ${view.wait?.eventType ?? ''} ${where}`;
      if (key !== last) io.stdout.write(`${progressLine({ percent: view.progress, label, tty: false })}\n`);
      last = key;
    }
    if (isFinished(view)) {
      if (tty) io.stdout.write('\n');
      if (opts.json) io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      else io.stdout.write(formatExecution(view));
      return view.state === 'completed' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
