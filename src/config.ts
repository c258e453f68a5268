/**
 * Server settings: environment variables over an optional config file (STS_CONFIG, YAML or
 * JSON with the same STS_* names as keys) over documented defaults. Read once, validated,
 * frozen; every bad value is reported at start, each naming its setting.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseBool, parseRate, type Rate } from './config-values.js';
import { parseDuration } from './duration.js';
import { parseRedisUrl } from './store/index.js';
import { parseSsfSettings, SSF_SETTING_NAMES, type SsfSettings } from './ssf/index.js';

type SigningAlg = 'ES256' | 'EdDSA' | 'RS256';

export interface Config {
  issuer: string;
  tokenEndpoint: string;
  host: string;
  port: number;
  policyPath: string;
  logLevel: string;
  redisUrl: string | undefined;
  redisAllowEviction: boolean;
  keyEncryptionKey: Buffer | undefined;
  signingAlg: SigningAlg;
  keyRotationMs: number;
  keyPublishAheadMs: number;
  rateLimitAddress: Rate;
  /** Per client address on the introspection, revocation and admin endpoints, and the console. */
  rateLimitIntrospect: Rate;
  rateLimitRevoke: Rate;
  rateLimitAdmin: Rate;
  rateLimitConsole: Rate;
  /** Require a server nonce in DPoP proofs (RFC 9449 §8): proofs made in advance stop working. */
  dpopNonce: boolean;
  trustProxy: string[];
  adminHost: string;
  adminPort: number | undefined;
  metricsHost: string;
  metricsPort: number;
  auditLog: string;
  alertWebhooks: string[];
  alertWebhookSecret: string | undefined;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Where the agents' suspensions are also kept, so they survive a restart of every instance and the store. */
  stateFile: string | undefined;
  /** `json` (one JSON object per line) or `pretty` (for a developer's terminal). */
  logFormat: 'json' | 'pretty';
  /** PEM CA certificates trusted, besides the system roots, when fetching issuers' jwks_uri (STS_ISSUER_CA_FILE). */
  issuerCaBundle: string | undefined;
  /** The Shared Signals transmitter (STS_SSF_*). */
  ssf: SsfSettings;
  /** Not a developer's own machine (see isProductionDeployment): development credentials are refused. */
  production: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const KNOWN = new Set([
  'STS_ISSUER', 'STS_HOST', 'STS_PORT', 'STS_POLICY', 'STS_LOG_LEVEL', 'REDIS_URL', 'STS_REDIS_ALLOW_EVICTION',
  'STS_KEY_ENCRYPTION_KEY', 'STS_SIGNING_ALG', 'STS_KEY_ROTATION', 'STS_KEY_PUBLISH_AHEAD', 'STS_RATE_LIMIT_ADDRESS',
  'STS_RATE_LIMIT_INTROSPECT', 'STS_RATE_LIMIT_REVOKE', 'STS_RATE_LIMIT_ADMIN', 'STS_RATE_LIMIT_CONSOLE', 'STS_DPOP_NONCE',
  'STS_TRUST_PROXY', 'STS_ADMIN_HOST', 'STS_ADMIN_PORT', 'STS_METRICS_HOST', 'STS_METRICS_PORT', 'STS_AUDIT_LOG',
  'STS_ALERT_WEBHOOKS', 'STS_ALERT_WEBHOOK_SECRET', 'STS_CONNECTION_TIMEOUT', 'STS_REQUEST_TIMEOUT', 'STS_KEEP_ALIVE_TIMEOUT',
  'STS_STATE_FILE', 'STS_LOG_FORMAT', 'STS_ISSUER_CA_FILE', ...SSF_SETTING_NAMES,
]);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const ALGS: SigningAlg[] = ['ES256', 'EdDSA', 'RS256'];

type Source = Record<string, string | undefined>;

/** Merge the optional config file under the environment. */
function readSettings(env: Source, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Source {
  const file = env.STS_CONFIG;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = parseYaml(readFile(file));
  } catch (error) {
    throw new ConfigError([`STS_CONFIG: cannot read ${file}: ${(error as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`STS_CONFIG: ${file} must be a mapping of STS_* settings`]);
  }
  const fromFile: Source = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!KNOWN.has(key)) problems.push(`STS_CONFIG: unknown setting ${key} in ${file}`);
    else fromFile[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...fromFile, ...definedOnly(env) };
}

function definedOnly(env: Source): Source {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

export function loadConfig(env: Source = process.env, readFile?: (path: string) => string): Readonly<Config> {
  const s = readSettings(env, readFile);
  const problems: string[] = [];
  const check = <T>(name: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return fallback;
    }
  };
  const issuer = check('STS_ISSUER', () => parseIssuer(s.STS_ISSUER ?? 'http://localhost:8080'), 'http://localhost:8080');
  const redisUrl = check('REDIS_URL', () => (s.REDIS_URL ? checkRedisUrl(s.REDIS_URL) : undefined), undefined);
  const keyEncryptionKey = check('STS_KEY_ENCRYPTION_KEY', () => parseKek(s.STS_KEY_ENCRYPTION_KEY), undefined);
  if (s.REDIS_URL && !keyEncryptionKey && !problems.some((p) => p.startsWith('STS_KEY_ENCRYPTION_KEY'))) {
    problems.push('STS_KEY_ENCRYPTION_KEY: required with REDIS_URL (32 random bytes, base64: `openssl rand -base64 32`); the signing keys are stored encrypted in Redis');
  }
  const connectionTimeoutMs = check('STS_CONNECTION_TIMEOUT', () => parseDuration(s.STS_CONNECTION_TIMEOUT ?? '10s', { minMs: 100 }), 10_000);
  const keyRotationMs = check('STS_KEY_ROTATION', () => parseDuration(s.STS_KEY_ROTATION ?? '24h', { minMs: 2_000 }), 86_400_000);
  const config: Config = {
    issuer,
    tokenEndpoint: `${issuer}/oauth/token`,
    host: s.STS_HOST ?? '127.0.0.1',
    port: check('STS_PORT', () => parsePort(s.STS_PORT ?? '8080'), 8080),
    policyPath: s.STS_POLICY ?? 'config/policy.yaml',
    logLevel: check('STS_LOG_LEVEL', () => oneOf(s.STS_LOG_LEVEL ?? 'info', LOG_LEVELS), 'info'),
    redisUrl,
    redisAllowEviction: check('STS_REDIS_ALLOW_EVICTION', () => parseBool(s.STS_REDIS_ALLOW_EVICTION ?? 'false'), false),
    keyEncryptionKey,
    signingAlg: check('STS_SIGNING_ALG', () => oneOf(s.STS_SIGNING_ALG ?? 'ES256', ALGS), 'ES256'),
    keyRotationMs,
    keyPublishAheadMs: check(
      'STS_KEY_PUBLISH_AHEAD',
      () => (s.STS_KEY_PUBLISH_AHEAD ? parseDuration(s.STS_KEY_PUBLISH_AHEAD, { minMs: 500 }) : Math.min(3_600_000, Math.floor(keyRotationMs / 4))),
      Math.min(3_600_000, Math.floor(keyRotationMs / 4)),
    ),
    rateLimitAddress: check('STS_RATE_LIMIT_ADDRESS', () => parseRate(s.STS_RATE_LIMIT_ADDRESS ?? '1000/10s'), { max: 1000, windowMs: 10_000 }),
    rateLimitIntrospect: check('STS_RATE_LIMIT_INTROSPECT', () => parseRate(s.STS_RATE_LIMIT_INTROSPECT ?? '1000/10s'), { max: 1000, windowMs: 10_000 }),
    rateLimitRevoke: check('STS_RATE_LIMIT_REVOKE', () => parseRate(s.STS_RATE_LIMIT_REVOKE ?? '100/10s'), { max: 100, windowMs: 10_000 }),
    rateLimitAdmin: check('STS_RATE_LIMIT_ADMIN', () => parseRate(s.STS_RATE_LIMIT_ADMIN ?? '100/10s'), { max: 100, windowMs: 10_000 }),
    rateLimitConsole: check('STS_RATE_LIMIT_CONSOLE', () => parseRate(s.STS_RATE_LIMIT_CONSOLE ?? '100/10s'), { max: 100, windowMs: 10_000 }),
    dpopNonce: check('STS_DPOP_NONCE', () => parseBool(s.STS_DPOP_NONCE ?? 'false'), false),
    trustProxy: splitList(s.STS_TRUST_PROXY),
    adminHost: s.STS_ADMIN_HOST || '127.0.0.1',
    adminPort: check('STS_ADMIN_PORT', () => (s.STS_ADMIN_PORT ? parsePort(s.STS_ADMIN_PORT) : undefined), undefined),
    metricsHost: s.STS_METRICS_HOST ?? '127.0.0.1',
    metricsPort: check('STS_METRICS_PORT', () => parsePort(s.STS_METRICS_PORT ?? '9464', true), 9464),
    auditLog: s.STS_AUDIT_LOG ?? 'stdout',
    alertWebhooks: check('STS_ALERT_WEBHOOKS', () => splitList(s.STS_ALERT_WEBHOOKS).map(parseWebhook), []),
    alertWebhookSecret: s.STS_ALERT_WEBHOOK_SECRET || undefined,
    connectionTimeoutMs,
    requestTimeoutMs: check('STS_REQUEST_TIMEOUT', () => parseDuration(s.STS_REQUEST_TIMEOUT ?? '10s', { minMs: 100 }), 10_000),
    keepAliveTimeoutMs: check('STS_KEEP_ALIVE_TIMEOUT', () => parseDuration(s.STS_KEEP_ALIVE_TIMEOUT ?? '5s', { minMs: 100 }), 5_000),
    stateFile: s.STS_STATE_FILE || undefined,
    logFormat: check('STS_LOG_FORMAT', () => oneOf(s.STS_LOG_FORMAT ?? 'json', ['json', 'pretty'] as const), 'json'),
    issuerCaBundle: check('STS_ISSUER_CA_FILE', () => (s.STS_ISSUER_CA_FILE ? readCaBundle(s.STS_ISSUER_CA_FILE, readFile) : undefined), undefined),
    ssf: parseSsfSettings(s, check, connectionTimeoutMs),
    production: isProductionDeployment(issuer, env.NODE_ENV),
  };
  if (config.keyPublishAheadMs >= config.keyRotationMs) {
    problems.push('STS_KEY_PUBLISH_AHEAD: must be shorter than STS_KEY_ROTATION');
  }
  if (config.alertWebhooks.length > 0 && !config.alertWebhookSecret) {
    problems.push('STS_ALERT_WEBHOOK_SECRET: required with STS_ALERT_WEBHOOKS (deliveries are signed)');
  }
  problems.push(...listenerClashes(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Could two listen addresses collide? `::` takes every address (dual stack), `0.0.0.0` every IPv4 one. */
function addressesOverlap(a: string, b: string): boolean {
  if (a === b || a === '::' || b === '::') return true;
  const ipv4 = (host: string) => !host.includes(':');
  return (a === '0.0.0.0' && ipv4(b)) || (b === '0.0.0.0' && ipv4(a));
}

/**
 * The agents' port, the metrics listener and the admin listener are separate sockets (the
 * metrics and admin APIs are never served to agents): two on one address and port would
 * fail at listen with a bare EADDRINUSE, so say which settings clash instead.
 */
function listenerClashes(config: Config): string[] {
  const listeners = [
    { name: 'STS_PORT', host: config.host, port: config.port },
    { name: 'STS_METRICS_PORT', host: config.metricsHost, port: config.metricsPort },
    ...(config.adminPort !== undefined ? [{ name: 'STS_ADMIN_PORT', host: config.adminHost, port: config.adminPort }] : []),
  ];
  const problems: string[] = [];
  listeners.forEach((a, i) => {
    for (const b of listeners.slice(i + 1)) {
      if (a.port === 0 || a.port !== b.port) continue;
      if (addressesOverlap(a.host, b.host)) {
        problems.push(`${b.name}: ${b.port} is already used by ${a.name}; each listener needs its own port`);
      }
    }
  });
  return problems;
}

/** RFC 8414 §2: the issuer is a URL with no query or fragment; http only for loopback. */
function parseIssuer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`not a URL: ${value}`);
  }
  if (url.search || url.hash) throw new Error('must not have a query or fragment (RFC 8414 §2)');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error('must be https (http is allowed for localhost only)');
  }
  return value.replace(/\/+$/, '');
}

/**
 * A broker is a developer's own only when its issuer is plain http on loopback (RFC 8414 §2
 * wants https everywhere else) and NODE_ENV does not say production. Anywhere else clients
 * reach it over a network, and credentials anyone can read in the sample (its operator key,
 * its development issuers) must not be trusted there.
 */
export function isProductionDeployment(issuer: string, nodeEnv: string | undefined): boolean {
  if (nodeEnv === 'production') return true;
  const url = new URL(issuer);
  return !(url.protocol === 'http:' && isLoopback(url.hostname));
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function parseKek(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) {
    throw new Error('must be exactly 32 bytes, base64-encoded');
  }
  return bytes;
}

/** redis://, rediss://, redis-sentinel://, redis-cluster:// (and their TLS forms); checked at start. */
function checkRedisUrl(value: string): string {
  try {
    parseRedisUrl(value);
  } catch (error) {
    throw new Error((error as Error).message.replace(/^REDIS_URL: /, ''));
  }
  return value;
}

function parsePort(value: string, allowZero = false): number {
  if (!/^\d{1,5}$/.test(value)) throw new Error(`not a port number: ${value}`);
  const port = Number(value);
  if (port > 65535 || (port === 0 && !allowZero)) throw new Error(`out of range: ${value}`);
  return port;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`expected one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

function readCaBundle(path: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): string {
  let pem: string;
  try {
    pem = readFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Certificates only: a key (private above all) has no business in a trust bundle.
  const keyBlock = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]{1,40})-----/g)].map((m) => m[1] as string).find((label) => / KEY$|^KEY$/.test(label));
  if (keyBlock !== undefined) throw new Error(`${path} holds a ${keyBlock.toLowerCase()}: give only the CA certificates`);
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) throw new Error(`${path} holds no PEM certificate`);
  return pem;
}

function parseWebhook(value: string): string {
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`not an http(s) URL: ${value}`);
  return value;
}
