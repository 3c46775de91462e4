import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function runDemo(
  dir: string,
  stepMs: number,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/demo/demo.ts'], {
    env: { ...process.env, LONGRUNNING_DIR: dir, LONGRUNNING_DEMO_STEP_MS: String(stepMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => text, exited };
}

async function waitFor(output: () => string, needle: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!output().includes(needle)) {
    if (Date.now() - start > timeoutMs) throw new Error(`"${needle}" not seen in:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('npm start (the embedded demo)', () => {
  it.each([['SIGINT'], ['SIGKILL']] as const)(
    'resumes from the last checkpoint after %s instead of starting over',
    async (signal) => {
      const dir = await mkdtemp(join(tmpdir(), 'lr-demo-'));
      dirs.push(dir);
      const first = runDemo(dir, 300);
      await waitFor(first.output, 'finished research');
      first.child.kill(signal);
      await first.exited;
      if (signal === 'SIGINT') expect(first.output()).toContain('Run `npm start` again to resume');

      const second = runDemo(dir, 1);
      const code = await second.exited;
      const out = second.output();
      expect(code).toBe(0);
      expect(out).toMatch(/Resuming exec_[0-9a-f]{32} from its last checkpoint: step (3\/5 \(draft\)|4\/5 \(review\))/);
      expect(out).not.toContain('running plan');
      expect(out).not.toContain('running research');
      expect(out).toContain('waiting for approval; no terminal, so approving by itself in a second');
      expect(out).toContain('"publishedAt": "report-durable-agents-on-serverless.md"');
      expect(out).toContain(`Checkpoint: ${dir}`);
      const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
      expect(files).toHaveLength(1);
    },
  );

  it('starts a new execution when the previous one completed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lr-demo-'));
    dirs.push(dir);
    expect(await runDemo(dir, 1).exited).toBe(0);
    const again = runDemo(dir, 1);
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('Starting exec_');
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });
});
