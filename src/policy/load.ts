/** loadPolicyFile: read, parse (YAML 1.2 core schema), validate and compile one policy file. */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { compilePolicy } from './compile.js';
import { loadedKeySets } from './key-files.js';
import type { CompiledPolicy, PolicyProblem } from './types.js';
import { validatePolicyDocument } from './validate.js';

export const MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024;

interface PolicyLoadResult {
  /** Null iff there is at least one `error` problem. */
  compiled: CompiledPolicy | null;
  problems: PolicyProblem[];
}

export async function loadPolicyFile(
  path: string,
  options: { nowMs: number; stsIssuer?: string; production?: boolean },
): Promise<PolicyLoadResult> {
  const source = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readBounded(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return fail(source, `cannot read the policy: ${why}`);
  }
  const parsed = parseYaml(bytes.toString('utf8'));
  if ('errors' in parsed) {
    return { compiled: null, problems: parsed.errors.map((message) => ({ severity: 'error', path: source, message })) };
  }
  const { policy, problems } = validatePolicyDocument(parsed.value, {
    baseDir: dirname(source),
    nowMs: options.nowMs,
    ...(options.stsIssuer !== undefined && { stsIssuer: options.stsIssuer }),
    ...(options.production !== undefined && { production: options.production }),
  });
  if (policy === null) return { compiled: null, problems };
  // The key sets loaded from jwks_file count too: a key removed from one is a new policy.
  const version = createHash('sha256').update(bytes).update('\0').update(loadedKeySets(policy)).digest('hex');
  return { compiled: compilePolicy(policy, version, source), problems };
}

/** YAML 1.2 core schema: `yes`/`no` stay strings, no timestamps, no `<<` merges; duplicate keys are errors. */
function parseYaml(text: string): { value: unknown } | { errors: string[] } {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, merge: false, prettyErrors: true });
  if (doc.errors.length > 0) {
    return { errors: doc.errors.slice(0, 50).map((e) => `invalid YAML: ${e.message.split('\n')[0]}`) };
  }
  try {
    // Bounds alias expansion ("billion laughs").
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { errors: [`invalid YAML: ${(error as Error).message}`] };
  }
}

async function readBounded(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_POLICY_FILE_BYTES) throw new Error(`the file is larger than ${MAX_POLICY_FILE_BYTES} bytes`);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function fail(source: string, message: string): PolicyLoadResult {
  return { compiled: null, problems: [{ severity: 'error', path: source, message }] };
}
