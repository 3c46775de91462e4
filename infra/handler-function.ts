import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LocalHandlerBundling } from './handler-bundle.js';

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
 * into a minified ESM entry plus the chunks it loads lazily (handler-bundle.ts; a
 * source map only when asked), JSON logs into its own log group with a
 * set retention, and its own role that may only write to that log group until the
 * construct grants it the AWS actions it uses.
 *
 * The entry is the package's functions/<name> module, whatever the workflows: its
 * import of `@longrunning/workflows` (handler-bundle.ts) is aliased to `workflowsModule` at bundle
 * time. esbuild is loaded from your project's dependencies, so install `esbuild` there.
 */
export class HandlerFunction extends Construct {
  readonly function: Function;
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
    const bundling = new LocalHandlerBundling({
      entry: packageFile(`../functions/${props.name}`),
      workflowsModule: props.workflowsModule,
      sourceMaps: props.sourceMaps,
    });
    this.function = new Function(this, 'Function', {
      code: Code.fromAsset(bundling.sourceFolder, {
        // The hash of what was bundled: it changes with the workflows module and any code in the bundle.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: bundling,
          // Required by CDK's type, never run: the local bundling above always bundles or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
        },
      }),
      handler: 'index.handler',
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
    });
  }
}
