/**
 * The broker as a Shared Signals transmitter, seen from this API: its configuration (SSF §7,
 * at `/.well-known/ssf-configuration` with the issuer's path appended) and the stream calls
 * (SSF §8.1) this API makes with its own token (scope ssf:stream). Every answer is checked
 * before it is used: the issuer it names (SSF §7.2.3), URLs that are https (http only on
 * loopback), a stream with an id and one audience.
 */
import { BrokerCallError, callBroker, isJsonObject, isSafeUrl, readJson, type CallLimits } from '../discovery/index.js';
import type { BearerFetcher } from './types.js';

const SSF_STREAM_SCOPE = 'ssf:stream';
const MAX_ANSWER_BYTES = 64 * 1024;

export interface TransmitterEndpoints {
  configurationEndpoint: string;
  verificationEndpoint: string | undefined;
  statusEndpoint: string | undefined;
}

/** SSF §8.1.2: a stream's status as its receiver reads it; `gone` when the transmitter no longer has it. */
export type StreamStatus = 'enabled' | 'paused' | 'disabled' | 'gone';

export interface StreamHandle {
  id: string;
  /** The `aud` every SET of the stream must carry. */
  audience: string;
  /** Poll streams: where to poll. */
  pollUrl: string | undefined;
}

export type StreamDeliveryRequest = { method: 'urn:ietf:rfc:8936' } | { method: 'urn:ietf:rfc:8935'; endpoint_url: string; authorization_header: string };

export interface StreamCalls {
  client: BearerFetcher;
  issuer: string;
  intent: string | undefined;
  timeoutMs: number;
}

const safeUrl = (value: unknown): value is string => {
  try {
    return typeof value === 'string' && isSafeUrl(new URL(value));
  } catch {
    return false;
  }
};

export async function discoverTransmitter(issuer: string, limits: CallLimits): Promise<TransmitterEndpoints> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const response = await callBroker(`${url.origin}/.well-known/ssf-configuration${path}`, { headers: { accept: 'application/json' } }, limits);
  const document = await readJson(response, MAX_ANSWER_BYTES);
  if (response.status !== 200 || !isJsonObject(document)) throw new BrokerCallError('http_status', `the SSF configuration answered ${response.status}`, { status: response.status });
  if (document.issuer !== issuer) throw new BrokerCallError('invalid_response', 'the SSF configuration names another issuer');
  if (!safeUrl(document.configuration_endpoint)) throw new BrokerCallError('invalid_response', 'the SSF configuration has no usable configuration_endpoint');
  return {
    configurationEndpoint: document.configuration_endpoint,
    verificationEndpoint: safeUrl(document.verification_endpoint) ? document.verification_endpoint : undefined,
    statusEndpoint: safeUrl(document.status_endpoint) ? document.status_endpoint : undefined,
  };
}

async function send(calls: StreamCalls, url: string, method: string, body?: object): Promise<Response> {
  try {
    return await calls.client.fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(calls.timeoutMs),
    }, { audience: calls.issuer, scope: SSF_STREAM_SCOPE, ...(calls.intent ? { intent: calls.intent } : {}) });
  } catch (error) {
    throw error instanceof BrokerCallError ? error : new BrokerCallError('network', 'the broker could not be reached for the stream', { cause: error });
  }
}

export async function createStream(calls: StreamCalls, endpoints: TransmitterEndpoints, delivery: StreamDeliveryRequest, description: string): Promise<StreamHandle> {
  const response = await send(calls, endpoints.configurationEndpoint, 'POST', { delivery, description });
  const stream = await readJson(response, MAX_ANSWER_BYTES);
  if (response.status !== 201 || !isJsonObject(stream)) throw new BrokerCallError('http_status', `creating the stream answered ${response.status}`, { status: response.status });
  // SSF §8.1.1.1: the stream is the transmitter's we asked, with one audience to hold SETs to.
  const audience = Array.isArray(stream.aud) && stream.aud.length === 1 ? stream.aud[0] : stream.aud;
  if (stream.iss !== calls.issuer || typeof stream.stream_id !== 'string' || typeof audience !== 'string' || !isJsonObject(stream.delivery)) {
    throw new BrokerCallError('invalid_response', 'the created stream is not one this API can use');
  }
  const pollUrl = delivery.method === 'urn:ietf:rfc:8936' ? stream.delivery.endpoint_url : undefined;
  if (delivery.method === 'urn:ietf:rfc:8936' && !safeUrl(pollUrl)) throw new BrokerCallError('invalid_response', 'the poll stream has no usable endpoint_url');
  return { id: stream.stream_id, audience, pollUrl: pollUrl as string | undefined };
}

export async function deleteStream(calls: StreamCalls, endpoints: TransmitterEndpoints, id: string): Promise<void> {
  const response = await send(calls, `${endpoints.configurationEndpoint}?stream_id=${encodeURIComponent(id)}`, 'DELETE');
  await response.body?.cancel().catch(() => undefined);
}

/** The HTTP status of the request (204 when queued; 404 when the stream is gone). */
export async function requestVerification(calls: StreamCalls, endpoints: TransmitterEndpoints, id: string, state: string): Promise<number> {
  if (!endpoints.verificationEndpoint) return 204;
  const response = await send(calls, endpoints.verificationEndpoint, 'POST', { stream_id: id, state });
  await response.body?.cancel().catch(() => undefined);
  return response.status;
}

/**
 * SSF §8.1.2.1: the stream's status. A transmitter without a status endpoint cannot say, and
 * its streams are taken as enabled (the events, or their absence, are all there is to go by).
 */
export async function readStreamStatus(calls: StreamCalls, endpoints: TransmitterEndpoints, id: string): Promise<StreamStatus> {
  if (!endpoints.statusEndpoint) return 'enabled';
  const response = await send(calls, `${endpoints.statusEndpoint}?stream_id=${encodeURIComponent(id)}`, 'GET');
  const answer = await readJson(response, MAX_ANSWER_BYTES);
  if (response.status === 404) return 'gone';
  if (response.status !== 200 || !isJsonObject(answer)) throw new BrokerCallError('http_status', `reading the stream status answered ${response.status}`, { status: response.status });
  if (answer.status === 'enabled' || answer.status === 'paused' || answer.status === 'disabled') return answer.status;
  throw new BrokerCallError('invalid_response', 'the stream status is not one SSF defines');
}

/** SSF §8.1.2.2: asks the transmitter to deliver on the stream again. */
export async function enableStream(calls: StreamCalls, endpoints: TransmitterEndpoints, id: string): Promise<void> {
  if (!endpoints.statusEndpoint) return;
  const response = await send(calls, endpoints.statusEndpoint, 'POST', { stream_id: id, status: 'enabled' });
  await response.body?.cancel().catch(() => undefined);
  if (response.status !== 200) throw new BrokerCallError('http_status', `enabling the stream answered ${response.status}`, { status: response.status });
}

/** RFC 8936 §2.4: acknowledge, report errors, and wait for the next SETs. */
export async function pollStream(calls: StreamCalls, pollUrl: string, body: object, signal: AbortSignal, maxBytes: number): Promise<{ status: number; sets: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await calls.client.fetch(pollUrl, {
      method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'manual', signal,
    }, { audience: calls.issuer, scope: SSF_STREAM_SCOPE, ...(calls.intent ? { intent: calls.intent } : {}) });
  } catch (error) {
    throw error instanceof BrokerCallError ? error : new BrokerCallError('network', 'the broker could not be reached for a poll', { cause: error });
  }
  const answer = await readJson(response, maxBytes);
  if (response.status !== 200) return { status: response.status, sets: {} };
  if (!isJsonObject(answer) || !isJsonObject(answer.sets)) throw new BrokerCallError('invalid_response', 'the poll answer has no sets', { status: 200 });
  return { status: 200, sets: answer.sets };
}
