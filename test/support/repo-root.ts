import { fileURLToPath } from 'node:url';

/** The root of this repository (where package.json, cdk.json and the lock file are). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
