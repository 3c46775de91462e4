import type { JsonObject } from '../core/json.js';
import type { Execution } from '../core/types.js';
import { isEmptyUsage, validateBudget, validateUsage } from '../core/usage.js';
import type { DocumentReader } from './document-reader.js';
import type { GoExecutionDocument } from './go-execution-document.js';

// The usage and budget fields in the Go-format document: `usage` (running totals of
// the committed step runs) and `budget`, both amounts by unit. The Go package does not
// write them and ignores them; an execution that reported no usage and has no budget
// writes neither, so its document is what it was before they existed.

/** The usage and budget of `exec`, as document fields (copies), added to `doc` (returned). */
export function encodeUsageFields<D extends Partial<GoExecutionDocument>>(exec: Execution, doc: D = {} as D): D {
  if (!isEmptyUsage(exec.usage)) doc.usage = { ...exec.usage };
  if (exec.budget !== undefined && Object.keys(exec.budget).length > 0) doc.budget = { ...exec.budget };
  return doc;
}

/** Reads the usage and budget of a document (absent or `null` ones stay absent). */
export function readUsageFields(o: JsonObject, r: DocumentReader): Partial<Execution> {
  const fields: Partial<Execution> = {};
  const usage = readAmounts(o, 'usage', r, validateUsage);
  if (usage !== undefined && !isEmptyUsage(usage)) fields.usage = usage;
  const budget = readAmounts(o, 'budget', r, validateBudget);
  if (budget !== undefined) fields.budget = budget;
  return fields;
}

/** True when the document's usage and budget read back (absent, or valid). */
export function usageFieldsReadBack(doc: JsonObject): boolean {
  return checks(doc['usage'], validateUsage) && checks(doc['budget'], validateBudget);
}

type Validate = (value: unknown, what: string) => Record<string, number>;

function readAmounts(
  o: JsonObject,
  field: 'usage' | 'budget',
  r: DocumentReader,
  validate: Validate,
): Record<string, number> | undefined {
  const value = o[field];
  if (value === undefined || value === null) return undefined;
  try {
    return validate(value, field);
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    return r.fail(field, `amounts by unit (${why})`, value);
  }
}

function checks(value: unknown, validate: Validate): boolean {
  if (value === undefined || value === null) return true;
  try {
    validate(value, 'field');
    return true;
  } catch {
    return false;
  }
}
