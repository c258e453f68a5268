/** The OpenID Shared Signals Framework transmitter: CAEP events about revocations, pushed and polled. */
export { createTransmitter, type Transmitter, type TransmitterOptions } from './transmitter.js';
export { everyReceiver, policyAudienceScope, type AudienceScope } from './audience-scope.js';
export type { StreamManagement } from './stream-management.js';
export { noSecurityEvents, type SecurityEvent, type SecurityEventKind, type SecurityEvents, type Initiator } from './security-event.js';
export { parseSsfSettings, SSF_SETTING_NAMES, type SsfSettings } from './settings.js';
export { createMemorySsfState } from './memory-state.js';
export { createRedisSsfState } from './redis-state.js';
export type { PendingEvent, SsfState, StreamRecord, StreamStatus, StreamLimits } from './state.js';
export type { StreamConfigInput } from './stream-config.js';
export type { PollRequest, PollResponse } from './poll-delivery.js';
export { POLL_METHOD, PUSH_METHOD, SSF_STREAM_SCOPE, type SubjectId } from './vocabulary.js';
