export { createWebhookAlerter } from './webhook-alerter.js';
export { signBody, verifySignature } from './sign.js';
export { backoffDelay, isRetriableStatus } from './backoff.js';
export type { Alerter, AnomalyAlert } from './types.js';

import type { Alerter } from './types.js';

/** For a broker without webhooks configured. */
export const noAlerts: Alerter = { send() {}, flush: async () => {}, close: async () => {} };
