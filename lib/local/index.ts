/**
 * longrunning/local: the deployed shape on one machine. An AWS emulator starter,
 * the table and queues created from the one schema, and drivers that stand in for
 * Lambda's SQS event source, the EventBridge schedule and API Gateway. `npm run dev`
 * is built from these; so can your own local runs and integration tests.
 */
export { ensureResources } from './ensure-resources.js';
export type { LocalResources } from './ensure-resources.js';
export { BRIDGE_MAX_BODY_BYTES, serveApi, toApiEvent } from './http-bridge.js';
export type { ApiHandler, BeforeApi, ServeApiOptions } from './http-bridge.js';
export { emulatorSdkConfig, startEmulator } from './moto-server.js';
export type { Emulator, StartEmulatorOptions } from './moto-server.js';
export { SqsPoller } from './sqs-poller.js';
export type { BatchHandler, PollResult, SqsPollerOptions } from './sqs-poller.js';
export { startSweeperTimer } from './sweeper-timer.js';
export type { SweepHandler } from './sweeper-timer.js';
