/** Pieces of command-line handling shared by the CLI's commands. */
import { readFile } from 'node:fs/promises';

/** A mistake in the command line: shown with the usage, exit code 2. */
export class UsageError extends Error {}

/** The JSON of a `--input` / `--payload` / `--state` value: inline, or `@file`. */
export async function readJsonOption(raw: string | undefined, flag: string): Promise<unknown> {
  if (raw === undefined) return undefined;
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = await readFile(raw.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flag} file ${raw.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}
