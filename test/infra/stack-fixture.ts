import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../support/repo-root.js';
import { LongRunningStack } from '../../infra/longrunning-stack.js';
import { LongRunningWorkflows } from '../../infra/longrunning-workflows.js';
import type { LongRunningWorkflowsProps } from '../../infra/longrunning-workflows-props.js';

/** The feature flags of cdk.json, so that tests synthesize what `cdk synth` does. */
export const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** A synthesized LongRunningStack and its template. */
export interface StackFixture {
  app: App;
  stack: LongRunningStack;
  template: Template;
}

/** What a test app skips to stay fast; `cdk synth` does all of it. */
export interface SynthOptions {
  /** Bundle the functions with esbuild (the template does not depend on the bundle's content). Default false. */
  bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation, with findings as errors (the
   * cdk.json flag `@aws-cdk/core:validateAgainstDefaultRules`). Its WASM engine takes
   * seconds to load in each test process. Default false; the cdk-nag test turns it on.
   */
  validateTemplates?: boolean;
  /** The stack's name. Default `LongRunning`. */
  stackName?: string;
}

function testApp(options: SynthOptions): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'longrunning-cdk-')),
    builtinCloudFormationValidation: options.validateTemplates ?? false,
    context: { ...CDK_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
}

/** Builds the app stack with `props` for the runtime. */
export function buildStack(props: LongRunningWorkflowsProps = {}, options: SynthOptions = {}): StackFixture {
  const app = testApp(options);
  const stack = new LongRunningStack(app, options.stackName ?? 'LongRunning', { workflows: props });
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Builds a bare stack holding only the runtime construct, with props that may refer to
 * other resources of that stack (a KMS key, an SNS topic).
 */
export function buildRuntime(
  makeProps: (stack: Stack) => LongRunningWorkflowsProps,
  options: SynthOptions = {},
): { stack: Stack; runtime: LongRunningWorkflows; template: Template } {
  const app = testApp(options);
  const stack = new Stack(app, 'Custom');
  const runtime = new LongRunningWorkflows(stack, 'Runtime', makeProps(stack));
  return { stack, runtime, template: Template.fromStack(stack) };
}

/** The one resource of `type` whose properties match, as [logical id, resource]. */
export function onlyResource(
  template: Template,
  type: string,
  props?: Record<string, unknown>,
): [string, { Properties: Record<string, unknown> }] {
  const found = Object.entries(template.findResources(type, props === undefined ? undefined : { Properties: props }));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, { Properties: Record<string, unknown> }];
}
