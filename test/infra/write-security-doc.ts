/**
 * `npm run docs:security`: rewrites the generated IAM summary in docs/security.md from
 * the synthesized app stack.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { appStackIamSummary, SECURITY_DOC, withGeneratedBlock } from './security-doc.js';

const before = readFileSync(SECURITY_DOC, 'utf8');
const after = withGeneratedBlock(before, appStackIamSummary());
if (after === before) {
  console.log('docs/security.md: the IAM summary is up to date');
} else {
  writeFileSync(SECURITY_DOC, after);
  console.log('docs/security.md: the IAM summary was rewritten');
}
