import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { ILocalBundling } from 'aws-cdk-lib';
import type * as EsbuildModule from 'esbuild';
import type { BuildOptions } from 'esbuild';

/**
 * The bare import specifier the Lambda entries (functions/*.ts) load the workflows
 * from; bundling aliases it to the construct's workflows module.
 */
export const WORKFLOWS_SPECIFIER = '@longrunning/workflows';

/**
 * ESM bundles still meet CommonJS dependencies that call `require` (Node built-ins);
 * this banner gives every output file a `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** What one function's bundle is made of. */
export interface HandlerBundleSpec {
  /** Absolute path of the entry module (functions/<name>.ts or .js). */
  entry: string;
  /** Absolute path of the workflows module that {@link WORKFLOWS_SPECIFIER} stands for. */
  workflowsModule: string;
  /** Write a source map (without the sources' content) beside each output file. */
  sourceMaps: boolean;
}

/**
 * The esbuild options of a function bundle: ESM for Node 22, minified, the AWS SDK
 * bundled (the function runs the SDK the tests ran, not the runtime's), and split:
 * the entry is `index.mjs` and each module the code imports only with `import()`
 * (the S3 client of large states, for one) is a chunk under `chunks/` that Node
 * reads the first time it is needed, not at init. One output file would carry those
 * modules into every cold start.
 */
export function handlerBuildOptions(spec: HandlerBundleSpec, outdir: string): BuildOptions {
  return {
    entryPoints: { index: spec.entry },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
    alias: { [WORKFLOWS_SPECIFIER]: spec.workflowsModule },
    sourcemap: spec.sourceMaps,
    ...(spec.sourceMaps ? { sourcesContent: false } : {}),
    logLevel: 'silent',
  };
}

/** The esbuild module, from the app's dependencies (found from this package upwards). */
function loadEsbuild(): typeof EsbuildModule {
  try {
    return createRequire(import.meta.url)('esbuild') as typeof EsbuildModule;
  } catch (cause) {
    throw new Error(
      'longrunning: bundling the functions needs esbuild; install it in your CDK app (npm install --save-dev esbuild)',
      { cause },
    );
  }
}

/**
 * Bundles one function on this machine with esbuild's API (never in Docker), for
 * `Code.fromAsset`'s local bundling. Its spec is part of CDK's asset cache key, so two
 * functions with different entries, workflows or source-map settings never share a
 * bundle.
 */
export class LocalHandlerBundling implements ILocalBundling {
  /** Kept as given: CDK serialises it into the asset cache key. */
  readonly spec: HandlerBundleSpec;

  constructor(spec: HandlerBundleSpec) {
    this.spec = { ...spec };
  }

  /** The folder CDK is given as the asset's source: the entry's own (small) folder. */
  get sourceFolder(): string {
    return dirname(this.spec.entry);
  }

  tryBundle(outputDir: string): boolean {
    const esbuild = loadEsbuild();
    try {
      esbuild.buildSync(handlerBuildOptions(this.spec, outputDir));
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`longrunning: bundling ${this.spec.entry} failed: ${reason}`, { cause });
    }
    // Never false: that would hand the bundling to Docker, which this construct does not use.
    return true;
  }
}
