/** Options of the fastify plugin, and what it adds to fastify's types. */
import type { AgentPrincipal, DpopOptions, Requirements, RevocationOptions, Verifier, VerifierOptions } from '../verifier/index.js';

export interface AgentStsPluginOptions {
  /** The broker's issuer identifier. */
  issuer: string;
  /** This API's URL, as agents name it in `resource` (RFC 8707) and as RFC 9728 publishes it. */
  resource: string;
  /** The `aud` tokens must carry, when it is not the resource URL itself. */
  audience?: string;
  /** A verifier to share (its JWKS cache) instead of one built from issuer and audience. */
  verifier?: Verifier;
  verifierOptions?: Omit<VerifierOptions, 'issuer' | 'audience' | 'dpop'>;
  /**
   * DPoP-bound tokens (RFC 9449): always accepted (never as bearer tokens); `required: true`
   * refuses every other token and says so in the RFC 9728 metadata
   * (`dpop_bound_access_tokens_required`). Replay cache, nonces: see DpopOptions.
   */
  dpop?: DpopOptions;
  /**
   * This app's root as clients address it (default: the resource's origin). A DPoP proof names
   * the request's URL: this plus the request's path. Set it when a proxy serves the app under
   * another origin or a path prefix; the Host header is never used.
   */
  publicBaseUrl?: string;
  /** RFC 9728 scopes_supported; by default every scope a route requires. */
  scopesSupported?: readonly string[];
  resourceName?: string;
  resourceDocumentation?: string;
  /** The challenge's realm (default: the resource). */
  realm?: string;
  /**
   * Subscribe to the broker's revocations (OpenID Shared Signals): poll by default; with
   * `push: { endpointUrl }` (this API's public URL for it) the plugin serves that route and the
   * broker pushes. The subscription starts when the app is ready and ends when it closes.
   */
  revocations?: RevocationOptions;
}

export interface AgentStsDecoration {
  readonly verifier: Verifier;
  /** Where this API's RFC 9728 metadata is served. */
  readonly resourceMetadataUrl: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs from the caller's token; `false` makes the route public. */
    agent?: Requirements | false;
  }
  interface FastifyRequest {
    /** The verified agent, on routes the plugin protects (reading it elsewhere throws). */
    readonly agent: AgentPrincipal;
  }
  interface FastifyInstance {
    readonly agentSts: AgentStsDecoration;
  }
}
