/**
 * The user's workflows module, as the entries in this folder see it. Bundling aliases
 * this specifier to the `workflowsModule` given to the LongRunningWorkflows construct;
 * the module must have the shape of functions/workflows.ts.
 */
declare module '@longrunning/workflows' {
  /** Builds the registry of deployed workflows. */
  // An ambient module may not import a relative path (TS2439), so the type is named with import().
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports
  export function deployedWorkflows(): import('../../lib/index.js').WorkflowRegistry;
}
