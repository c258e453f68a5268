/**
 * Development key pairs for the sample policy. Every `jwks_file` under the policy's `dev/`
 * folder (git-ignored) gets a generated ES256 key pair on first start: the public JWKS the
 * policy reads, and the private JWK beside it that `agent-sts dev attest|assertion` signs
 * with. Never for production: the broker says so loudly when it creates them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { parse } from 'yaml';

const DEV_FOLDER = 'dev';

/** The jwks_file paths of a policy that live in its dev/ folder (read from the raw YAML). */
function devJwksFiles(policyPath: string): string[] {
  const raw: unknown = parse(readFileSync(policyPath, 'utf8'));
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'jwks_file' && typeof value === 'string' && value.split('/')[0] === DEV_FOLDER) found.add(value);
        else walk(value);
      }
    }
  };
  walk(raw);
  return [...found].map((file) => resolve(dirname(policyPath), file));
}

function privateKeyPath(jwksPath: string): string {
  return join(dirname(jwksPath), basename(jwksPath).replace(/\.jwks\.json$/, '').replace(/\.json$/, '') + '.private.jwk.json');
}

/** Generate the missing dev key pairs; returns the files created. */
export async function ensureDevKeys(policyPath: string): Promise<string[]> {
  const created: string[] = [];
  for (const jwksPath of devJwksFiles(policyPath)) {
    if (existsSync(jwksPath)) continue;
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const pub: JWK = { ...publicJwk, kid, alg: 'ES256', use: 'sig' };
    const priv: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    mkdirSync(dirname(jwksPath), { recursive: true, mode: 0o700 });
    writeFileSync(privateKeyPath(jwksPath), JSON.stringify(priv, null, 2) + '\n', { mode: 0o600 });
    writeFileSync(jwksPath, JSON.stringify({ keys: [pub] }, null, 2) + '\n');
    created.push(jwksPath);
  }
  return created;
}

export function readPrivateJwk(jwksPath: string): JWK {
  const path = privateKeyPath(jwksPath);
  if (!existsSync(path)) throw new Error(`no development private key at ${path}: run \`agent-sts dev init\` (or \`npm start\`) first`);
  return JSON.parse(readFileSync(path, 'utf8')) as JWK;
}
