/**
 * Turns the IAM of a synthesized CloudFormation template into deterministic markdown
 * (docs/security.md keeps it between two markers): the roles, who assumes them and
 * what uses them; every statement of the policies attached to them (role -> actions ->
 * resources); and the resource policies (queue policies, Lambda permissions).
 * References are shown as the logical ids they name, so the text follows the construct
 * tree, not a deployment. A resource carrying a policy this module cannot read fails the
 * summary rather than being left out of it.
 */
import { byText, cfnText, conditionText, list, principals, record, statements, type Statement } from './cfn-text.js';

/** The part of a template this module reads (`Template.toJSON()`). */
export interface CfnTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

type Resources = [id: string, type: string, properties: Record<string, unknown>][];

/** One row of a permissions table before its actions are gathered. */
interface Grant {
  /** What the row is keyed by: a role, or the resource a resource policy protects. */
  subject: string;
  principal: string;
  effect: string;
  action: string;
  resource: string;
  condition: string;
}

/** The types read below; any other type with a property of POLICY_PROPERTIES fails the summary. */
const READ_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::Permission',
]);
const POLICY_PROPERTIES = ['PolicyDocument', 'KeyPolicy', 'ResourcePolicy', 'AssumeRolePolicyDocument', 'Policies'];

/** Every (principal, action, resource) of `s`, `NOT` marking NotAction and NotResource. */
function grantsOf(subject: string, s: Statement, resources: string[], principalsOf = principals(s.Principal)): Grant[] {
  const actions =
    s.NotAction !== undefined ? list(s.NotAction).map((a) => `NOT ${cfnText(a)}`) : list(s.Action).map(cfnText);
  const on = s.NotResource !== undefined ? list(s.NotResource).map((r) => `NOT ${cfnText(r)}`) : resources;
  const effect = s.Effect ?? 'Allow';
  const condition = conditionText(s.Condition);
  return principalsOf.flatMap((principal) =>
    actions.flatMap((action) => on.map((resource) => ({ subject, principal, effect, action, resource, condition }))),
  );
}

/** A row of a permissions table: the actions one subject's principal has on a group of resources. */
interface Row {
  subject: string;
  principal: string;
  effect: string;
  condition: string;
  actions: string[];
  resources: string[];
}

/**
 * Table rows: the actions of each (subject, principal, effect, condition, resource),
 * then one row per action set with the resources that share it. However CDK merged or
 * ordered the statements, the same grants give the same rows, in the same order.
 */
function rows(grants: Grant[]): Row[] {
  const head = (g: Grant | Row): string[] => [g.subject, g.principal, g.effect, g.condition];
  const actions = new Map<string, { grant: Grant; actions: Set<string> }>();
  for (const g of grants) {
    const key = JSON.stringify([...head(g), g.resource]);
    const entry = actions.get(key) ?? { grant: g, actions: new Set<string>() };
    actions.set(key, entry);
    entry.actions.add(g.action);
  }
  const grouped = new Map<string, Row>();
  for (const { grant, actions: set } of actions.values()) {
    const sorted = [...set].sort(byText);
    const key = JSON.stringify([...head(grant), sorted]);
    const { subject, principal, effect, condition } = grant;
    const row = grouped.get(key) ?? { subject, principal, effect, condition, actions: sorted, resources: [] };
    grouped.set(key, row);
    row.resources.push(grant.resource);
  }
  const order = (r: Row): string => JSON.stringify([...head(r), r.actions, r.resources.sort(byText)]);
  return [...grouped.values()].sort((a, b) => byText(order(a), order(b)));
}

const code = (items: string[]): string => (items.length === 0 ? 'none' : items.map((i) => `\`${i}\``).join(', '));

/** A markdown table with each column padded to one width, as Prettier lays it out; a column with no value is left out. */
function table(columns: string[], cells: string[][]): string {
  const kept = columns.flatMap((_, i) => (cells.some((row) => (row[i] ?? '') !== '') ? [i] : []));
  const header = kept.map((i) => columns[i] ?? '');
  const body = cells.map((row) => kept.map((i) => row[i] ?? ''));
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Logical ids (and types) of the resources whose properties name `id`, IAM resources left out. */
function usersOf(resources: Resources, id: string): string[] {
  const names = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(names);
    const fn = record(value);
    const getAtt = fn['Fn::GetAtt'];
    return fn['Ref'] === id || (Array.isArray(getAtt) && getAtt[0] === id) || Object.values(fn).some(names);
  };
  return resources
    .filter(([other, type, p]) => other !== id && !type.startsWith('AWS::IAM::') && names(p))
    .map(([other, type]) => `${other} (${type})`);
}

/**
 * The markdown summary of the IAM of `template`: roles, role permissions and resource
 * policies, each a table. The same template always gives the same text.
 */
export function iamSummary(template: CfnTemplate): string {
  const resources: Resources = Object.entries(template.Resources ?? {})
    .sort(([a], [b]) => byText(a, b))
    .map(([id, r]) => [id, r.Type, r.Properties ?? {}]);
  for (const [id, type, p] of resources) {
    const policy = POLICY_PROPERTIES.find((name) => p[name] !== undefined);
    if (policy && !READ_TYPES.has(type)) throw new Error(`iam-summary cannot read ${policy} of ${id} (${type})`);
  }
  const of = (type: string): Resources => resources.filter(([, t]) => t === type);

  const roles = of('AWS::IAM::Role').map(([id, , p]) => {
    const trust = statements(p['AssumeRolePolicyDocument']).flatMap((s) =>
      principals(s.Principal).map((who) => `${who} (${list(s.Action).map(cfnText).join(', ')})`),
    );
    return [`\`${id}\``, code(trust), code(usersOf(resources, id)), code(list(p['ManagedPolicyArns']).map(cfnText))];
  });

  const held: Grant[] = [];
  for (const [id, , p] of of('AWS::IAM::Role')) {
    for (const inline of list(p['Policies'])) {
      for (const s of statements(record(inline)['PolicyDocument']))
        held.push(...grantsOf(id, s, list(s.Resource).map(cfnText), ['']));
    }
  }
  for (const [, , p] of [...of('AWS::IAM::Policy'), ...of('AWS::IAM::ManagedPolicy')]) {
    const holders = ['Roles', 'Users', 'Groups'].flatMap((k) => list(p[k]).map(cfnText));
    for (const holder of holders) {
      for (const s of statements(p['PolicyDocument']))
        held.push(...grantsOf(holder, s, list(s.Resource).map(cfnText), ['']));
    }
  }

  const protecting: Grant[] = [];
  for (const [, , p] of of('AWS::SQS::QueuePolicy')) {
    for (const queue of list(p['Queues']).map(cfnText)) {
      for (const s of statements(p['PolicyDocument'])) {
        protecting.push(...grantsOf(queue, s, s.Resource === undefined ? [queue] : list(s.Resource).map(cfnText)));
      }
    }
  }
  for (const [, , p] of of('AWS::S3::BucketPolicy')) {
    const bucket = cfnText(p['Bucket']);
    for (const s of statements(p['PolicyDocument'])) {
      protecting.push(...grantsOf(bucket, s, s.Resource === undefined ? [bucket] : list(s.Resource).map(cfnText)));
    }
  }
  for (const [, , p] of of('AWS::Lambda::Permission')) {
    const fn = cfnText(p['FunctionName']);
    const condition = (['SourceArn', 'SourceAccount'] as const)
      .filter((k) => p[k] !== undefined)
      .map((k) => `${k} = ${cfnText(p[k])}`)
      .join('; ');
    const principal = cfnText(p['Principal']);
    protecting.push({ subject: fn, principal, effect: 'Allow', action: cfnText(p['Action']), resource: fn, condition });
  }

  const cond = (c: string): string => (c === '' ? '' : `\`${c}\``);
  return [
    '### Roles',
    '',
    table(['role', 'assumed by', 'used by', 'managed policies'], roles),
    '',
    '### What each role may do',
    '',
    table(
      ['role', 'effect', 'actions', 'resources', 'condition'],
      rows(held).map((g) => [`\`${g.subject}\``, g.effect, code(g.actions), code(g.resources), cond(g.condition)]),
    ),
    '',
    '### Resource policies',
    '',
    table(
      ['resource', 'principal', 'effect', 'actions', 'condition'],
      rows(protecting).map((g) => [
        code(g.resources),
        `\`${g.principal}\``,
        g.effect,
        code(g.actions),
        cond(g.condition),
      ]),
    ),
  ].join('\n');
}
