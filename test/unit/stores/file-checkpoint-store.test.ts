import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { parseExecution } from '../../../lib/stores/execution-codec.js';
import { checkpointStoreContract } from '../../contract/checkpoint-store-contract.js';
import { GO_PAUSED_DOCUMENT, capturingLogger, sampleExecution, tempDir } from './fixtures.js';

describe('FileCheckpointStore', () => {
  let root: string;
  let dir: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ path: root, remove } = await tempDir());
    dir = join(root, 'checkpoints');
  });

  afterEach(async () => {
    await remove();
  });

  checkpointStoreContract(() => new FileCheckpointStore(dir));

  it('writes one <id>.json file per execution in the Go format', async () => {
    const store = new FileCheckpointStore(dir);
    const exec = sampleExecution();
    await store.saveCheckpoint(exec);
    expect(await readdir(dir)).toEqual([`${exec.id}.json`]);
    const doc = JSON.parse(await readFile(join(dir, `${exec.id}.json`), 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({ id: exec.id, current_step: 1, total_steps: 2, start_time: '2025-03-01T04:30:00.123Z' });
  });

  it('replaces the stored execution on a second save', async () => {
    const store = new FileCheckpointStore(dir);
    await store.saveCheckpoint(sampleExecution());
    const later = sampleExecution({ state: 'completed', currentStep: 2, progress: 100, endTime: new Date(1e12) });
    await store.saveCheckpoint(later);
    expect(await store.loadCheckpoint(later.id)).toEqual(later);
  });

  it('round-trips the fork and rewind fields through the file', async () => {
    const store = new FileCheckpointStore(dir);
    const exec = sampleExecution({
      state: 'running',
      forkedFrom: { executionId: 'exec_00000000000000000000000000000001', checkpoint: 3 },
      superseded: [[4, 5]],
      stepRuns: 6,
      checkpoints: [
        { id: 'cp_a', step: 1, seq: 5, state: { n: 5 }, timestamp: new Date(0), superseded: true },
        { id: 'cp_b', step: 1, seq: 6, state: { n: 3 }, timestamp: new Date(1), rewoundTo: 3 },
      ],
    });
    await store.saveCheckpoint(exec);
    expect(await store.loadCheckpoint(exec.id)).toEqual(exec);
    const doc = JSON.parse(await readFile(join(dir, `${exec.id}.json`), 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({
      forked_from: { execution_id: 'exec_00000000000000000000000000000001', checkpoint: 3 },
      superseded: [[4, 5]],
      checkpoints: [{ superseded: true }, { rewound_to: 3 }],
    });
  });

  it('stores the execution as it was when save was called', async () => {
    const store = new FileCheckpointStore(dir);
    const exec = sampleExecution();
    const saving = store.saveCheckpoint(exec);
    exec.state = 'cancelled';
    exec.metadata['owner'] = 'someone else';
    await saving;
    expect(await store.loadCheckpoint(exec.id)).toEqual(sampleExecution());
  });

  it('creates a missing directory, nested, on the first save', async () => {
    const nested = join(root, 'a', 'b', 'c');
    const store = new FileCheckpointStore(nested);
    await store.saveCheckpoint(sampleExecution());
    expect(await readdir(nested)).toHaveLength(1);
  });

  it('lists a missing directory as empty', async () => {
    expect(await new FileCheckpointStore(join(root, 'absent')).listCheckpoints()).toEqual([]);
  });

  it('skips malformed files in a list and warns with the file and the error', async () => {
    const logger = capturingLogger();
    const store = new FileCheckpointStore(dir, logger);
    const good = sampleExecution();
    await store.saveCheckpoint(good);
    await writeFile(join(dir, 'exec_truncated.json'), '{"id":"exec_truncated","na');
    await writeFile(join(dir, 'exec_badstate.json'), GO_PAUSED_DOCUMENT.replace('"paused"', '"sleeping"'));
    await writeFile(join(dir, 'exec_renamed.json'), GO_PAUSED_DOCUMENT);
    expect(await store.listCheckpoints()).toEqual([good]);
    const warned = logger.entries.filter((e) => e.level === 'warn');
    expect(warned.map((e) => e.fields?.['file'])).toEqual([
      join(dir, 'exec_badstate.json'),
      join(dir, 'exec_renamed.json'),
      join(dir, 'exec_truncated.json'),
    ]);
    expect(warned[0]?.fields?.['error']).toContain('field "state"');
    expect(warned[1]?.fields?.['error']).toContain('field "id"');
    expect(warned[2]?.fields?.['error']).toContain('not valid JSON');
  });

  it('ignores temporary, hidden and non-JSON files in a list without warning', async () => {
    const logger = capturingLogger();
    const store = new FileCheckpointStore(dir, logger);
    const exec = sampleExecution();
    await store.saveCheckpoint(exec);
    await writeFile(join(dir, `.${exec.id}.5f2b9c0d.tmp`), '{"id":"exec_0123456789abcdef0123456789');
    await writeFile(join(dir, '.hidden.json'), 'garbage');
    await writeFile(join(dir, 'notes.txt'), 'garbage');
    expect(await store.listCheckpoints()).toEqual([exec]);
    expect(await store.loadCheckpoint(exec.id)).toEqual(exec);
    expect(logger.entries).toEqual([]);
  });

  it('rejects a file holding another execution with CORRUPT_RECORD on load', async () => {
    await mkdir(dir);
    await writeFile(join(dir, 'exec_other.json'), GO_PAUSED_DOCUMENT);
    const err = new FileCheckpointStore(dir).loadCheckpoint('exec_other');
    await expect(err).rejects.toMatchObject({ code: ErrorCode.CorruptRecord, details: { field: 'id' } });
  });

  it('loads a Go-written file from disk', async () => {
    await mkdir(dir);
    const id = 'exec_9f86d081884c7d659a2feaa0c55ad015';
    await writeFile(join(dir, `${id}.json`), GO_PAUSED_DOCUMENT);
    const store = new FileCheckpointStore(dir);
    expect(await store.loadCheckpoint(id)).toEqual(parseExecution(GO_PAUSED_DOCUMENT));
    expect((await store.listCheckpoints()).map((e) => e.id)).toEqual([id]);
  });

  it.each(['../escaped', 'a/b', '', '.hidden', 'x'.repeat(129), 'a\\b', 'a b'])(
    'rejects the unsafe id %j with VALIDATION_ERROR and writes nothing',
    async (id) => {
      const store = new FileCheckpointStore(dir);
      const expected = { code: ErrorCode.Validation, message: expect.stringContaining(JSON.stringify(id)) as unknown };
      await expect(store.saveCheckpoint(sampleExecution({ id }))).rejects.toMatchObject(expected);
      await expect(store.loadCheckpoint(id)).rejects.toMatchObject(expected);
      await expect(store.deleteCheckpoint(id)).rejects.toMatchObject(expected);
      expect(await readdir(root)).toEqual([]);
    },
  );

  it('makes the directory again when it is removed between saves', async () => {
    const store = new FileCheckpointStore(dir);
    await store.saveCheckpoint(sampleExecution({ name: 'first' }));
    await rm(dir, { recursive: true });
    await store.saveCheckpoint(sampleExecution({ name: 'second' }));
    expect((await store.loadCheckpoint(sampleExecution().id)).name).toBe('second');
  });

  it('leaves no temporary files behind after saves', async () => {
    const store = new FileCheckpointStore(dir);
    for (let i = 0; i < 5; i++) await store.saveCheckpoint(sampleExecution({ name: `v${i}` }));
    expect(await readdir(dir)).toEqual([`${sampleExecution().id}.json`]);
  });

  it('keeps the file valid and the last save in it after 50 concurrent saves of one id', async () => {
    const store = new FileCheckpointStore(dir);
    const versions = Array.from({ length: 50 }, (_, i) =>
      sampleExecution({ name: `version-${i}`, metadata: { blob: 'x'.repeat(2000 + i * 97) } }),
    );
    await Promise.all(versions.map((v) => store.saveCheckpoint(v)));
    const id = sampleExecution().id;
    const onDisk = parseExecution(await readFile(join(dir, `${id}.json`), 'utf8'));
    expect(onDisk).toEqual(versions[49]);
    expect(await readdir(dir)).toEqual([`${id}.json`]);
  });

  it('never shows a reader a partly written file while saves are in flight', async () => {
    const store = new FileCheckpointStore(dir);
    const first = sampleExecution();
    await store.saveCheckpoint(first);
    const big = (i: number) => sampleExecution({ name: `v${i}`, metadata: { blob: 'y'.repeat(200_000 + i) } });
    let saving = true;
    const saves = Promise.all(Array.from({ length: 30 }, (_, i) => store.saveCheckpoint(big(i)))).finally(() => {
      saving = false;
    });
    let reads = 0;
    while (saving) {
      const seen = await store.loadCheckpoint(first.id);
      expect(seen.id).toBe(first.id);
      reads++;
    }
    await saves;
    expect(reads).toBeGreaterThan(0);
  });

  it('runs a delete after a save of the same id that was called first', async () => {
    const store = new FileCheckpointStore(dir);
    const exec = sampleExecution();
    const saving = store.saveCheckpoint(exec);
    await store.deleteCheckpoint(exec.id);
    await saving;
    expect(await store.listCheckpoints()).toEqual([]);
  });

  it('rejects with STORE_UNAVAILABLE when the directory path is a file', async () => {
    await writeFile(dir, 'not a directory');
    const store = new FileCheckpointStore(dir);
    await expect(store.saveCheckpoint(sampleExecution())).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await expect(store.listCheckpoints()).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
  });
});
