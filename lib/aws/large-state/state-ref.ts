/** The one field of the JSON marker that stands for a state kept in S3. */
export const STATE_REF_FIELD = '$longrunningState';

/** Where an offloaded state is and what it is: its object key, its size, and the SHA-256 of its JSON text. */
export interface StateRefFields {
  key: string;
  bytes: number;
  sha256: string;
}

/**
 * A state kept outside the table (see LargeStateExecutionStore): the head and its
 * checkpoints hold this reference instead of the state. It serialises to the marker
 * `{ "$longrunningState": { key, bytes, sha256 } }`, so the table's adapters store
 * it as they store any state, in about 150 bytes. Views show it as it is; the
 * worker reads the state itself once per step.
 */
export class StoredStateRef implements StateRefFields {
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;

  constructor(fields: StateRefFields) {
    this.key = fields.key;
    this.bytes = fields.bytes;
    this.sha256 = fields.sha256;
    Object.freeze(this);
  }

  /** The marker that is stored in place of the state. */
  toJSON(): Record<string, StateRefFields> {
    return { [STATE_REF_FIELD]: { key: this.key, bytes: this.bytes, sha256: this.sha256 } };
  }
}

/**
 * True for a value that is exactly a stored marker: an object whose only field is
 * {@link STATE_REF_FIELD}. A user's state of that shape is always offloaded (see
 * LargeStateExecutionStore), so a marker read back always means "fetch the object".
 */
export function isStateMarker(value: unknown): value is Record<typeof STATE_REF_FIELD, StateRefFields> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === STATE_REF_FIELD;
}

/** The reference a stored value stands for, or undefined for a state kept inline. */
export function stateRefOf(value: unknown): StoredStateRef | undefined {
  if (value instanceof StoredStateRef) return value;
  if (!isStateMarker(value)) return undefined;
  const fields = value[STATE_REF_FIELD];
  if (
    typeof fields !== 'object' ||
    fields === null ||
    typeof fields.key !== 'string' ||
    typeof fields.sha256 !== 'string' ||
    typeof fields.bytes !== 'number'
  ) {
    return undefined;
  }
  return new StoredStateRef(fields);
}

/** True for a state kept in S3 (a {@link StoredStateRef} or its stored marker). */
export function isStoredStateRef(value: unknown): boolean {
  return stateRefOf(value) !== undefined;
}
