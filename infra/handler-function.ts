import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The bare import specifier the Lambda entries (functions/*.ts) load the workflows
 * from; bundling aliases it to the construct's workflows module.
 */
export const WORKFLOWS_SPECIFIER = '@longrunning/workflows';

/**
 * ESM bundles still meet CommonJS dependencies that call `require` (Node built-ins);
 * this banner gives the module a `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * A file of this package, relative to this module: the compiled `.js` when the
 * package is installed (dist/), else the `.ts` source (a clone of the repository).
 */
export function packageFile(relativeWithoutExtension: string): string {
  for (const extension of ['.js', '.ts']) {
    const path = fileURLToPath(new URL(`${relativeWithoutExtension}${extension}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`longrunning: ${relativeWithoutExtension} (.js or .ts) is missing from the package`);
}

/** The example workflows, bundled when the construct is given no workflows module. */
export const EXAMPLE_WORKFLOWS_MODULE = packageFile('../examples/workflows');

/** The three functions, by their entry file name. */
export type HandlerName = 'step-worker' | 'sweeper' | 'api';

/** Every function entry of functions/: the three engine functions and the optional deploy check. */
export type FunctionEntry = HandlerName | 'deploy-check';

/** Settings of one {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  name: FunctionEntry;
  description: string;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  tracing: boolean;
  /** Bundle a source map and load it (`--enable-source-maps`); costs cold-start time. */
  sourceMaps: boolean;
  /** Absolute path of the workflows module bundled into the function. */
  workflowsModule: string;
}

/**
 * One engine function: Node.js 22 on arm64, bundled locally by esbuild (never Docker)
 * into a minified ESM file (with a source map only when asked), JSON logs into its own log group with a
 * set retention, and its own role that may only write to that log group until the
 * construct grants it the AWS actions it uses.
 *
 * The entry is the package's functions/<name> module, whatever the workflows: its
 * import of {@link WORKFLOWS_SPECIFIER} is aliased to `workflowsModule` at bundle
 * time. esbuild runs from your project (the nearest lock file above the directory
 * `cdk` runs in), so install `esbuild` there.
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
    this.function = new NodejsFunction(this, 'Function', {
      entry: packageFile(`../functions/${props.name}`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: props.sourceMaps
        ? { ...props.environment, NODE_OPTIONS: '--enable-source-maps' }
        : props.environment,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: props.sourceMaps,
        ...(props.sourceMaps ? { sourcesContent: false } : {}),
        banner: ESM_REQUIRE_BANNER,
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the function runs the version the tests ran, not the runtime's.
        externalModules: [],
        esbuildArgs: { '--alias': `${WORKFLOWS_SPECIFIER}=${props.workflowsModule}` },
      },
    });
  }
}
