/**
 * Reading CloudFormation values and IAM policy documents as text, for the IAM summary
 * of docs/security.md (iam-summary.ts).
 */

/** One statement of an IAM policy document, as a template holds it. */
export interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** `value` as a list: CloudFormation allows one item or a list of them. */
export const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
/** `value` as an object, or an empty one. */
export const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
/** Sorts strings by their code units, the same on every machine (no locale). */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A CloudFormation value as text: `Ref` and `Fn::GetAtt` of a resource become its
 * logical id (`id.Attr` for an attribute other than `Arn`), a pseudo parameter
 * `${AWS::Region}`, `Fn::Join` joins its parts, `Fn::Sub` keeps its template.
 */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const fn = record(value);
  if (typeof fn['Ref'] === 'string') return fn['Ref'].startsWith('AWS::') ? `\${${fn['Ref']}}` : fn['Ref'];
  const getAtt = fn['Fn::GetAtt'];
  if (Array.isArray(getAtt)) {
    const [id, attribute] = getAtt.map(cfnText);
    return attribute === 'Arn' ? String(id) : `${id}.${attribute}`;
  }
  const join = fn['Fn::Join'];
  if (Array.isArray(join)) return list(join[1]).map(cfnText).join(cfnText(join[0]));
  const sub = fn['Fn::Sub'];
  if (sub !== undefined) return cfnText(Array.isArray(sub) ? sub[0] : sub);
  return JSON.stringify(value);
}

/** `Principal` as text: `*`, each service or account, or `Federated:...`. */
export function principals(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  return Object.entries(record(principal)).flatMap(([kind, value]) =>
    list(value).map((p) => (kind === 'AWS' || kind === 'Service' ? cfnText(p) : `${kind}:${cfnText(p)}`)),
  );
}

/** `Condition` as text, e.g. `Bool aws:SecureTransport = false`. */
export function conditionText(condition: unknown): string {
  return Object.entries(record(condition))
    .flatMap(([operator, tests]) =>
      Object.entries(record(tests)).map(([key, v]) => `${operator} ${key} = ${list(v).map(cfnText).join(' or ')}`),
    )
    .sort(byText)
    .join('; ');
}

/** The statements of a policy document. */
export function statements(document: unknown): Statement[] {
  return list(record(document)['Statement']) as Statement[];
}
