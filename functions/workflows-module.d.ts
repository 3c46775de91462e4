/**
 * The workflows module the Lambda entries in this folder load their registry from.
 * When the LongRunningWorkflows construct bundles a function, esbuild aliases this
 * specifier to the construct's `workflowsModule` (your module, or the package's
 * examples/workflows); the tests alias it to examples/workflows.ts.
 */
declare module '@longrunning/workflows' {
  /** Builds the registry of deployed workflows. */
  // An ambient module may not import a relative path (TS2439), so the type is named with import().
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  export function deployedWorkflows(): import('../lib/index.js').WorkflowRegistry;
}
