import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LongRunningError, NotFoundError, toError, ValidationError } from '../core/errors.js';
import { assertSafeId, isSafeId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { noopLogger } from '../core/logger.js';
import type { Execution } from '../core/types.js';
import { type CheckpointStore, savedExecutionId, SNAPSHOTS_AT_CALL } from './checkpoint-store.js';
import { serializeExecution } from './execution-codec.js';
import { errnoCode, storeUnavailable, writeFileAtomic } from './file-io.js';
import { KeyedQueue } from './keyed-queue.js';
import { parseStoredExecution } from './parse-stored-execution.js';

const SUFFIX = '.json';

/**
 * The default {@link CheckpointStore}: one `<id>.json` file per execution in `dir`,
 * in the Go package's JSON format, so Go and TypeScript can read each other's files.
 *
 * Each save writes a unique temporary file (`.<id>.<unique>.tmp`) in the same
 * directory, flushes it to disk and renames it over the target, so a reader or a
 * crash never sees a torn file. Saves and deletes of one id run one at a time in
 * call order, so the last call wins. The directory is created on the first save,
 * and again by a save that finds it gone.
 * Ids must be safe file names (`VALIDATION_ERROR` otherwise).
 *
 * @example
 * const store = new FileCheckpointStore('./checkpoints', logger);
 * await store.saveCheckpoint(exec);
 * const again = await store.loadCheckpoint(exec.id);
 */
export class FileCheckpointStore implements CheckpointStore {
  /** Serialises each execution at the call, so it may be handed the Executor's own record. */
  readonly [SNAPSHOTS_AT_CALL] = true;
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #queue = new KeyedQueue();
  /** Set once the directory is made, so a save does not ask for it again each time. */
  #dirMade = false;

  constructor(dir: string, logger: Logger = noopLogger) {
    if (typeof dir !== 'string' || dir.trim() === '')
      throw new ValidationError(
        `FileCheckpointStore needs the path of a directory, got ${JSON.stringify(dir) ?? 'undefined'}`,
      );
    this.#dir = dir;
    this.#logger = logger;
  }

  /** Writes the execution's snapshot (taken at the call) atomically, replacing the old file. */
  async saveCheckpoint(exec: Execution): Promise<void> {
    const id = savedExecutionId(exec);
    const text = serializeExecution(exec);
    await this.#queue.run(id, async () => {
      if (!this.#dirMade) await this.#makeDir();
      try {
        await writeFileAtomic(this.#dir, id, text);
      } catch (thrown) {
        // The directory went away since it was made: make it again, as the first save did.
        if (!(thrown instanceof LongRunningError) || thrown.details?.['errno'] !== 'ENOENT') throw thrown;
        await this.#makeDir();
        await writeFileAtomic(this.#dir, id, text);
      }
    });
  }

  async #makeDir(): Promise<void> {
    try {
      await mkdir(this.#dir, { recursive: true });
    } catch (thrown) {
      throw storeUnavailable(`cannot create checkpoint directory ${this.#dir}`, thrown);
    }
    this.#dirMade = true;
  }

  /** Reads `<id>.json`; `NOT_FOUND` when it does not exist, `CORRUPT_RECORD` when malformed. */
  async loadCheckpoint(execId: string): Promise<Execution> {
    const id = assertSafeId(execId);
    const file = this.#path(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (thrown) {
      if (errnoCode(thrown) === 'ENOENT') throw new NotFoundError('checkpoint', id, thrown);
      throw storeUnavailable(`cannot read checkpoint file ${file}`, thrown);
    }
    return parseStoredExecution(text, id, file);
  }

  /**
   * Reads every `<id>.json` file in the directory, in file name order. Temporary and
   * other files are ignored; unreadable or malformed ones are skipped with a warning
   * (`{ file, error }`). A missing directory lists as empty.
   */
  async listCheckpoints(): Promise<Execution[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (thrown) {
      if (errnoCode(thrown) === 'ENOENT') return [];
      throw storeUnavailable(`cannot list checkpoint directory ${this.#dir}`, thrown);
    }
    const executions: Execution[] = [];
    for (const name of names.filter(isCheckpointFile).sort()) {
      const file = join(this.#dir, name);
      try {
        executions.push(parseStoredExecution(await readFile(file, 'utf8'), name.slice(0, -SUFFIX.length), file));
      } catch (thrown) {
        if (errnoCode(thrown) === 'ENOENT') continue; // deleted while listing
        this.#logger.warn('skipping unreadable checkpoint file', { file, error: toError(thrown).message });
      }
    }
    return executions;
  }

  /** Removes `<id>.json`; `NOT_FOUND` when it does not exist. */
  async deleteCheckpoint(execId: string): Promise<void> {
    const id = assertSafeId(execId);
    const file = this.#path(id);
    await this.#queue.run(id, async () => {
      try {
        await unlink(file);
      } catch (thrown) {
        if (errnoCode(thrown) === 'ENOENT') throw new NotFoundError('checkpoint', id, thrown);
        throw storeUnavailable(`cannot delete checkpoint file ${file}`, thrown);
      }
    });
  }

  #path(id: string): string {
    return join(this.#dir, `${id}${SUFFIX}`);
  }
}

/** `<safe id>.json`: not a temporary file, not a hidden file, not anything else. */
function isCheckpointFile(name: string): boolean {
  return name.endsWith(SUFFIX) && isSafeId(name.slice(0, -SUFFIX.length));
}
