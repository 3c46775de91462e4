import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: where package-lock.json, functions/ and lib/ are. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * The bare import specifier the entries in infra/entries/ load the workflows from;
 * bundling aliases it to the user's `workflowsModule`.
 */
export const WORKFLOWS_SPECIFIER = '@longrunning/workflows';

/**
 * ESM bundles still meet CommonJS dependencies that call `require` (Node built-ins);
 * this banner gives the module a `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The three functions, by their entry file name. */
export type HandlerName = 'step-worker' | 'sweeper' | 'api';

/** Settings of one {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  name: HandlerName;
  description: string;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  tracing: boolean;
  /** Absolute path of the user's workflows module, or undefined for functions/workflows.ts. */
  workflowsModule: string | undefined;
}

/**
 * One engine function: Node.js 22 on arm64, bundled locally by esbuild (never Docker)
 * into a minified ESM file with a source map, JSON logs into its own log group with a
 * set retention, and its own role that may only write to that log group until the
 * construct grants it the AWS actions it uses.
 *
 * The entry is functions/<name>.ts, or, with a `workflowsModule`, infra/entries/<name>.ts,
 * which is the same wiring with the registry imported from {@link WORKFLOWS_SPECIFIER},
 * aliased to the user's module at bundle time.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the longrunning ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);
    const custom = props.workflowsModule !== undefined;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, custom ? 'infra/entries' : 'functions', `${props.name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the function runs the version the tests ran, not the runtime's.
        externalModules: [],
        ...(custom ? { esbuildArgs: { '--alias': `${WORKFLOWS_SPECIFIER}=${props.workflowsModule}` } } : {}),
      },
    });
  }
}
