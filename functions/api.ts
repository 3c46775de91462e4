/**
 * Lambda entry point: the HTTP API (API Gateway HTTP API, payload 2.0).
 * Built once per cold start from the environment, with the workflows module the
 * construct bundles in (see workflows-module.d.ts).
 */
import { makeApiHandler } from './http/api-handler.js';
import { loadCallbackSecrets } from './shared/callback-secrets.js';
import { defaultDeps } from './shared/deps.js';
import { deployedWorkflows } from '@longrunning/workflows';

const deps = defaultDeps('api', process.env, deployedWorkflows(), {
  callbackSecrets: await loadCallbackSecrets(process.env),
});

export const handler = makeApiHandler({
  control: deps.control,
  workflows: deps.workflows,
  logger: deps.logger,
  ...(deps.stateLink ? { stateLink: deps.stateLink } : {}),
  ...(deps.uploads ? { uploads: deps.uploads } : {}),
});
