import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { appStackIamSummary, generatedBlock, REGENERATE_COMMAND, SECURITY_DOC } from './security-doc.js';

describe('docs/security.md', () => {
  let summary: string;
  beforeAll(() => {
    summary = appStackIamSummary();
  });

  it('holds the IAM summary of the synthesized app stack, as the regenerate command writes it', () => {
    const documented = generatedBlock(readFileSync(SECURITY_DOC, 'utf8'));
    expect(
      documented,
      `docs/security.md no longer matches the stack's IAM policies: run \`${REGENERATE_COMMAND}\` and review the diff`,
    ).toBe(summary);
  });

  it('names, for each role of the stack, the one function that runs with it', () => {
    const roleTable = summary.split('### What each role may do')[0] ?? '';
    const usedBy = roleTable
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|')[3]?.trim());
    expect(usedBy).toEqual([
      expect.stringMatching(/^`RuntimeApiFunction\w+ \(AWS::Lambda::Function\)`$/),
      expect.stringMatching(/^`RuntimeStepWorkerFunction\w+ \(AWS::Lambda::Function\)`$/),
      expect.stringMatching(/^`RuntimeSweeperFunction\w+ \(AWS::Lambda::Function\)`$/),
    ]);
  });
});
