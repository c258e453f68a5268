/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata: the document that tells a client (an MCP
 * client, an agent) which authorization server issues tokens for this API and how to present
 * them, at the well-known path derived from the resource URL (§3.1).
 */
import { checkIdentifierUrl } from '../discovery/index.js';

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceInput {
  resource: string;
  issuer: string;
  scopes: readonly string[];
  /** RFC 9449 §5.1 / RFC 9728 §2: the proof algorithms accepted, and whether only DPoP-bound tokens are. */
  dpop: { algorithms: readonly string[]; required: boolean };
  resourceName?: string | undefined;
  resourceDocumentation?: string | undefined;
}

/**
 * §3.1: the well-known segment goes between the host and the resource's path. Only a slash
 * that ends the host (a root path) is dropped; the path itself is kept as spelled, a trailing
 * slash included (`/mcp/` and `/mcp` are two resources).
 */
export function metadataPath(resource: string): string {
  const { pathname } = new URL(resource);
  return pathname === '/' ? WELL_KNOWN : `${WELL_KNOWN}${pathname}`;
}

export function metadataUrl(resource: string): string {
  return `${new URL(resource).origin}${metadataPath(resource)}`;
}

/** §2: an https URL (http on loopback for development) without query or fragment. */
export const checkResource = (resource: string): string => checkIdentifierUrl(resource, 'resource');

export function protectedResourceMetadata(input: ProtectedResourceInput): Record<string, unknown> {
  return {
    resource: input.resource, // §3.3: identical to the resource the client asked about
    authorization_servers: [input.issuer],
    ...(input.scopes.length > 0 ? { scopes_supported: [...input.scopes].sort() } : {}),
    bearer_methods_supported: ['header'], // RFC 6750 §2.1 only: tokens stay out of URLs and bodies
    dpop_signing_alg_values_supported: [...input.dpop.algorithms],
    dpop_bound_access_tokens_required: input.dpop.required,
    ...(input.resourceName ? { resource_name: input.resourceName } : {}),
    ...(input.resourceDocumentation ? { resource_documentation: input.resourceDocumentation } : {}),
  };
}
