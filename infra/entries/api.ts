/**
 * functions/api.ts with the workflows of the `workflowsModule` the construct was given
 * (see workflows-module.d.ts). Keep the wiring in step with that file.
 */
import { deployedWorkflows } from '@longrunning/workflows';
import { makeApiHandler } from '../../functions/http/api-handler.js';
import { defaultDeps } from '../../functions/shared/deps.js';

const deps = defaultDeps('api', process.env, deployedWorkflows());

export const handler = makeApiHandler({ control: deps.control, workflows: deps.workflows, logger: deps.logger });
