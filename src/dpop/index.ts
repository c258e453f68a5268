/** DPoP (RFC 9449): proofs made by clients and checked by the broker and by resource servers. */
export { verifyDpopProof, MAX_PROOF_BYTES, type ProofExpectations, type ProofFailureReason, type ProofResult } from './verify-proof.js';
export { createDpopProof, proofJwk, type ProofKey, type ProofRequest } from './create-proof.js';
export { createNonceIssuer, type NonceIssuer } from './nonce.js';
export { accessTokenHash } from './ath.js';
