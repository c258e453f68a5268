/**
 * The JWKS files a policy names (trusted issuers, people's issuers, agents' own keys, operator issuers) are part
 * of the policy: removing a compromised key from one must take effect on reload like any edit
 * of the policy file, so they count in its version and are watched with it.
 */
import type { JSONWebKeySet } from 'jose';
import type { Policy } from './types.js';

interface KeySource { file?: string | undefined; jwks?: JSONWebKeySet | undefined }

function keySources(policy: Policy): KeySource[] {
  return [
    ...policy.issuers.map((i) => ({ file: i.jwksFile, jwks: i.jwks })),
    ...policy.userIssuers.map((i) => ({ file: i.jwksFile, jwks: i.jwks })),
    ...policy.agents.flatMap((a) => a.attestation.flatMap((e) => (e.kind === 'keys' ? [{ file: e.jwksFile, jwks: e.jwks }] : []))),
    ...policy.operatorIssuers.map((o) => ({ file: o.jwksFile, jwks: o.jwks })),
  ];
}

/** Absolute paths of the JWKS files the policy loaded, without repeats. */
export function keyFilesOf(policy: Policy): string[] {
  return [...new Set(keySources(policy).flatMap((s) => (s.file ? [s.file] : [])))];
}

/** The loaded key sets in policy order, as hashed into the policy version. */
export function loadedKeySets(policy: Policy): string {
  return JSON.stringify(keySources(policy).map((s) => s.jwks ?? null));
}
