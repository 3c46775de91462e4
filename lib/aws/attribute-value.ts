import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Converts a raw DynamoDB item (wire format, as `CancellationReasons[].Item` and a
 * `ConditionalCheckFailedException`'s `Item` carry it: the document client does not
 * convert those) into plain values, as the document client returns items. Numbers
 * become JS numbers; binary and set types, which the engine never writes, become
 * `undefined` so that the item decoder reports them as corrupt.
 */
export function fromAttributeMap(raw: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) out[name] = fromAttributeValue(value);
  return out;
}

function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.M !== undefined) return fromAttributeMap(value.M);
  return undefined;
}
