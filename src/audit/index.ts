export { createAuditTrail, type ClosableAuditTrail } from './audit-trail.js';
export { openSyncSink, type SyncSink } from './sync-sink.js';
export { redactSecrets } from './redact.js';
