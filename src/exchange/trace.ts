/**
 * What one token request has established so far. The route fills it step by step; once the
 * response is sent it becomes the ExchangeOutcome that audit, metrics and anomaly detection
 * see. Fields are only set from verified data (except claimedAgentId, labelled as such).
 */
import type { ExchangeOutcome, GrantName } from '../context.js';

export type ExchangeTrace = Omit<ExchangeOutcome, 'atMs' | 'result' | 'durationSeconds'>;

export function newTrace(grant: GrantName = 'unsupported'): ExchangeTrace {
  return { grant };
}
