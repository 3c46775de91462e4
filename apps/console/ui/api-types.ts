import type { ExecutionView, CheckpointView } from '../../../lib/runtime/execution-view.js';
export type V = ExecutionView | CheckpointView;
