/**
 * RFC 8414 authorization server metadata as a client reads it: where the document lives
 * (§3.1), and the checks before it is believed (§3.3: the issuer it names is exactly the one
 * asked for, so a document cannot send a client to another broker's endpoints).
 */
import { isJsonObject } from './broker-call.js';

export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  grant_types_supported?: string[];
  scopes_supported?: string[];
  [member: string]: unknown;
}

const ENDPOINTS = ['token_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint'] as const;
const REQUIRED: readonly string[] = ['token_endpoint', 'jwks_uri'];

/** https, or http on a loopback host only (a broker on the same machine, in development). */
export function isSafeUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * An identifier that is a URL: an authorization server's issuer (RFC 8414 §2), a protected
 * resource (RFC 9728 §2) or where it is served. Absolute, safe, without query or fragment.
 */
export function checkIdentifierUrl(value: string, name: 'issuer' | 'resource' | 'publicBaseUrl'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} is not a URL: ${value}`);
  }
  if (url.search || url.hash) throw new TypeError(`${name} must not have a query or fragment`);
  if (!isSafeUrl(url)) throw new TypeError(`${name} must be https (http only on localhost)`);
  return value;
}

export const checkIssuer = (issuer: string): string => checkIdentifierUrl(issuer, 'issuer');

/**
 * RFC 8414 §3.1 inserts the well-known segment between host and path; brokers behind a path
 * prefix that only serve it under the prefix are found by the second, appended form.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const inserted = `${url.origin}/.well-known/oauth-authorization-server${path}`;
  const appended = `${url.origin}${path}/.well-known/oauth-authorization-server`;
  return inserted === appended ? [inserted] : [inserted, appended];
}

/** The document, checked; throws a message naming the first problem. */
export function parseMetadata(document: unknown, issuer: string): AuthorizationServerMetadata {
  if (!isJsonObject(document)) throw new Error('the metadata document is not a JSON object');
  // RFC 8414 §3.3: identical, character for character.
  if (document.issuer !== issuer) throw new Error(`the metadata names another issuer than ${issuer}`);
  for (const member of ENDPOINTS) {
    const value = document[member];
    if (value === undefined && !REQUIRED.includes(member)) continue;
    if (typeof value !== 'string') throw new Error(`the metadata has no ${member}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`the metadata's ${member} is not a URL`);
    }
    if (!isSafeUrl(url)) throw new Error(`the metadata's ${member} is not https`);
  }
  return document as AuthorizationServerMetadata;
}
