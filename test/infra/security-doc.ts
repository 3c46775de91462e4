/**
 * The generated part of docs/security.md: the IAM summary of the app stack, between two
 * markers. `npm run docs:security` rewrites it (write-security-doc.ts) and
 * security-doc.test.ts fails when it is out of date.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../support/repo-root.js';
import { iamSummary } from './iam-summary.js';
import { buildStack } from './stack-fixture.js';

/** The page that holds the block. */
export const SECURITY_DOC = join(REPO_ROOT, 'docs', 'security.md');

/** The command that regenerates the block. */
export const REGENERATE_COMMAND = 'npm run docs:security';

const BEGIN = `<!-- BEGIN generated IAM summary: run \`${REGENERATE_COMMAND}\` to update, do not edit by hand -->`;
const END = '<!-- END generated IAM summary -->';

/** The IAM summary of the app stack (the LongRunning stack with its defaults, as the infra tests build it). */
export function appStackIamSummary(): string {
  return iamSummary(buildStack().template.toJSON());
}

function markers(doc: string): { start: number; end: number } {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start || doc.indexOf(BEGIN, start + 1) >= 0) {
    throw new Error(`docs/security.md must hold exactly one generated block, from\n${BEGIN}\nto\n${END}`);
  }
  return { start: start + BEGIN.length, end };
}

/** The text between the markers of `doc`, without the blank lines around it. */
export function generatedBlock(doc: string): string {
  const { start, end } = markers(doc);
  return doc.slice(start, end).trim();
}

/** `doc` with `block` between its markers. */
export function withGeneratedBlock(doc: string, block: string): string {
  const { start, end } = markers(doc);
  return `${doc.slice(0, start)}\n\n${block}\n\n${doc.slice(end)}`;
}
