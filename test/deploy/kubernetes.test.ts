import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { loadPolicyFile } from '../../src/policy/index.js';

type Doc = { kind: string; metadata: { name: string } };
type Labels = Record<string, string>;

const dir = 'deploy/kubernetes';
const manifests = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const docs: Doc[] = manifests.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => {
  if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`);
  return d.toJSON() as Doc;
}));

/** A value by dotted path ("spec.template.spec.containers.0"); undefined when absent. */
function at<T = unknown>(value: unknown, path: string): T {
  let v = value;
  for (const key of path.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[key];
  return v as T;
}
function find(kind: string, name: string): Doc {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (doc === undefined) throw new Error(`no ${kind} ${name}`);
  return doc;
}
const matches = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const podLabels = () => at<Labels>(find('Deployment', 'agent-sts'), 'spec.template.metadata.labels');

t.test('the kustomization lists every manifest', async (t) => {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  t.same([...k.resources].sort(), [...manifests].sort());
});

t.test('three hardened broker replicas with probes and secrets by reference', async (t) => {
  const deploy = find('Deployment', 'agent-sts');
  t.equal(at(deploy, 'spec.replicas'), 3);
  t.equal(at(deploy, 'spec.template.spec.securityContext.runAsNonRoot'), true);
  const container = at<object>(deploy, 'spec.template.spec.containers.0');
  t.equal(at(container, 'securityContext.readOnlyRootFilesystem'), true);
  t.equal(at(container, 'securityContext.allowPrivilegeEscalation'), false);
  t.equal(at(container, 'readinessProbe.httpGet.path'), '/readyz');
  t.equal(at(container, 'livenessProbe.httpGet.path'), '/healthz');
  const env = Object.fromEntries(at<Array<{ name: string }>>(container, 'env').map((e) => [e.name, e]));
  for (const name of ['STS_KEY_ENCRYPTION_KEY', 'REDIS_URL']) {
    t.ok(at(env[name], 'valueFrom.secretKeyRef.name'), `${name} from a Secret`);
    t.equal(at(env[name], 'value'), undefined, `${name} not inline`);
  }
  t.equal(at(env.STS_METRICS_PORT, 'value'), '9464');
  const ports = at<Array<{ name: string; containerPort: number }>>(container, 'ports');
  t.equal(ports.find((p) => p.name === 'metrics')?.containerPort, 9464);
  t.ok(matches(at(deploy, 'spec.selector.matchLabels'), podLabels()));
});

t.test('metrics have their own Service; the ServiceMonitor is an optional component', async (t) => {
  const metricsService = find('Service', 'agent-sts-metrics');
  const main = find('Service', 'agent-sts');
  t.ok(matches(at(metricsService, 'spec.selector'), podLabels()));
  t.ok(matches(at(main, 'spec.selector'), podLabels()));
  t.notOk(docs.some((d) => d.kind === 'ServiceMonitor'), 'the base applies without the Prometheus Operator\'s CRDs');
  const component = parse(readFileSync(join(dir, 'components/servicemonitor/kustomization.yaml'), 'utf8')) as { kind: string; resources: string[] };
  t.equal(component.kind, 'Component');
  const monitor = parse(readFileSync(join(dir, 'components/servicemonitor', component.resources[0] as string), 'utf8')) as Doc;
  t.equal(monitor.kind, 'ServiceMonitor');
  t.ok(matches(at(monitor, 'spec.selector.matchLabels'), at(metricsService, 'metadata.labels')));
  const port = at<string>(monitor, 'spec.endpoints.0.port');
  t.ok(at<Array<{ name: string; port: number }>>(metricsService, 'spec.ports').some((p) => p.name === port && p.port === 9464));
  const overlay = parse(readFileSync(join(dir, 'overlays/monitoring/kustomization.yaml'), 'utf8')) as { resources: string[]; components: string[] };
  t.same(overlay, { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../..'], components: ['../../components/servicemonitor'] });
});

t.test('the admin API has its own port and Service, never in the Service agents reach', async (t) => {
  const container = at<object>(find('Deployment', 'agent-sts'), 'spec.template.spec.containers.0');
  const env = Object.fromEntries(at<Array<{ name: string; value?: string }>>(container, 'env').map((e) => [e.name, e.value]));
  t.equal(env.STS_ADMIN_PORT, '8081');
  t.equal(env.STS_ADMIN_HOST, '0.0.0.0');
  const ports = at<Array<{ name: string; containerPort: number }>>(container, 'ports');
  t.equal(ports.find((p) => p.name === 'admin')?.containerPort, 8081);
  const mainPorts = at<Array<{ targetPort: unknown }>>(find('Service', 'agent-sts'), 'spec.ports');
  t.same(mainPorts.map((p) => p.targetPort), ['http'], 'the agents\' Service carries the token port only');
  const admin = find('Service', 'agent-sts-admin');
  t.same(at<Array<{ targetPort: unknown }>>(admin, 'spec.ports').map((p) => p.targetPort), ['admin']);
  t.ok(matches(at(admin, 'spec.selector'), podLabels()));
});

t.test('the NetworkPolicy admits the admin port only from a labelled namespace', async (t) => {
  const policy = find('NetworkPolicy', 'agent-sts');
  t.ok(matches(at(policy, 'spec.podSelector.matchLabels'), podLabels()));
  type Rule = { from?: Array<{ namespaceSelector?: { matchLabels?: Labels }; podSelector?: unknown; ipBlock?: unknown }>; ports?: Array<{ port: number }> };
  const rules = at<Rule[]>(policy, 'spec.ingress');
  const admitting = (port: number) => rules.filter((r) => !r.ports || r.ports.some((p) => p.port === port));
  const admin = admitting(8081);
  t.equal(admin.length, 1, 'one rule admits the admin port');
  t.same(admin[0]?.from, [{ namespaceSelector: { matchLabels: { 'agent-sts.io/admin-access': 'true' } } }], 'from the labelled namespaces only');
  t.ok(admitting(8080).some((r) => r.from === undefined), 'agents reach the token port');
  t.ok(admitting(9464).every((r) => r.from?.every((f) => f.namespaceSelector)), 'metrics from a namespace only');
});

t.test('the secret recipe works as written and creates every secret the manifests use', async (t) => {
  const comment = readFileSync(join(dir, 'kustomization.yaml'), 'utf8').split('\n').filter((l) => l.startsWith('#'));
  const start = comment.findIndex((l) => /kubectl create namespace/.test(l));
  const recipe: string[] = [];
  for (const line of comment.slice(start)) {
    const command = line.replace(/^#\s{3}/, '');
    if (/^kubectl apply/.test(command) || command === line) break;
    recipe.push(command);
  }
  t.notMatch(recipe.join('\n'), /</, 'no placeholder to fill in by hand');
  // kubectl itself is not under test: a stand-in records what the recipe asks it to create.
  const bin = mkdtempSync(join(tmpdir(), 'sts-recipe-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> "${bin}/calls"\necho >> "${bin}/calls"\n`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  execFileSync('bash', ['-euo', 'pipefail', '-c', recipe.join('\n')], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  const calls = readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n\n').map((c) => c.split('\n'));
  const secrets = new Map<string, Map<string, string>>();
  for (const call of calls) {
    const i = call.indexOf('generic');
    if (call[i - 1] !== 'secret' || i < 0) continue;
    const literals = call.filter((a) => a.startsWith('--from-literal=')).map((a) => a.slice('--from-literal='.length));
    secrets.set(call[i + 1] as string, new Map(literals.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
  }
  const refs = docs.flatMap((d) => JSON.stringify(d).match(/"secretKeyRef":\{[^}]*\}/g) ?? []).map((r) => JSON.parse(r.slice('"secretKeyRef":'.length)) as { name: string; key: string });
  t.ok(refs.length >= 4);
  for (const ref of refs) t.ok(secrets.get(ref.name)?.get(ref.key), `${ref.name}/${ref.key} is created by the recipe`);
  const created = secrets.get('agent-sts');
  t.equal(Buffer.from(created?.get('STS_KEY_ENCRYPTION_KEY') ?? '', 'base64').length, 32, 'a 32-byte key, as the broker requires');
  t.equal(created?.get('REDIS_URL'), `redis://:${created?.get('REDIS_PASSWORD')}@agent-sts-redis:6379/0`, 'REDIS_URL carries the same password Redis is given');
  t.match(created?.get('REDIS_PASSWORD'), /^[0-9a-f]{48}$/);
});

t.test('a PodDisruptionBudget keeps two brokers up', async (t) => {
  const pdb = find('PodDisruptionBudget', 'agent-sts');
  t.equal(at(pdb, 'spec.minAvailable'), 2);
  t.ok(matches(at(pdb, 'spec.selector.matchLabels'), podLabels()));
});

t.test('the bundled Redis never evicts keys', async (t) => {
  const args = at<string[]>(find('StatefulSet', 'agent-sts-redis'), 'spec.template.spec.containers.0.args');
  t.equal(args[args.indexOf('--maxmemory-policy') + 1], 'noeviction');
});

t.test('the policy ConfigMap holds a valid policy', async (t) => {
  const policy = at<Record<string, string>>(find('ConfigMap', 'agent-sts-policy'), 'data')['policy.yaml'];
  t.type(policy, 'string');
  const tmp = mkdtempSync(join(tmpdir(), 'sts-deploy-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  writeFileSync(join(tmp, 'policy.yaml'), policy ?? '');
  const result = await loadPolicyFile(join(tmp, 'policy.yaml'), { nowMs: Date.parse('2026-11-01T00:00:00Z') });
  t.same(result.problems.filter((p) => p.severity === 'error'), []);
  t.ok(result.compiled);
  t.equal(result.compiled?.policy.operators.length, 1, 'a sample operator entry');
});

t.test('as shipped, the broker can fetch the cluster issuer\'s keys: its CA, a token for that fetch only, the RBAC to read them', async (t) => {
  const deploy = find('Deployment', 'agent-sts');
  const pod = at<object>(deploy, 'spec.template.spec');
  const container = at<object>(pod, 'containers.0');
  const env = Object.fromEntries(at<Array<{ name: string; value?: string }>>(container, 'env').map((e) => [e.name, e.value]));
  const mounts = at<Array<{ name: string; mountPath: string }>>(container, 'volumeMounts');
  const volumes = at<Array<Record<string, unknown> & { name: string }>>(pod, 'volumes');
  const mountOf = (name: string) => mounts.find((m) => m.name === name)?.mountPath;
  const volume = (name: string) => volumes.find((v) => v.name === name);

  t.equal(at(volume('kube-ca'), 'configMap.name'), 'kube-root-ca.crt', 'the cluster CA, published in every namespace');
  t.equal(env.STS_ISSUER_CA_FILE, `${mountOf('kube-ca')}/ca.crt`, 'trusted for jwks_uri fetches');
  t.equal(at(pod, 'automountServiceAccountToken'), false, 'no general-purpose API token');
  const projected = at<Array<Record<string, unknown>>>(volume('kube-api-token'), 'projected.sources');
  t.equal(at(projected[0], 'serviceAccountToken.path'), 'token', 'a projected, kubelet-renewed token');

  const policy = parse(at<Record<string, string>>(find('ConfigMap', 'agent-sts-policy'), 'data')['policy.yaml'] ?? '') as { issuers: Array<Record<string, string>> };
  const cluster = policy.issuers.find((i) => i.jwks_uri?.startsWith('https://kubernetes.default.svc'));
  t.equal(cluster?.jwks_token_file, `${mountOf('kube-api-token')}/token`, 'the policy sends that token with the fetch');

  const binding = find('ClusterRoleBinding', 'agent-sts-issuer-discovery');
  t.same(at(binding, 'roleRef'), { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:service-account-issuer-discovery' });
  t.same(at(binding, 'subjects'), [{ kind: 'ServiceAccount', name: 'agent-sts', namespace: 'agent-sts' }], 'bound to the broker alone');
});

t.test('X-Forwarded-For is not believed from a whole pod network', async (t) => {
  const container = at<object>(find('Deployment', 'agent-sts'), 'spec.template.spec.containers.0');
  const trust = at<Array<{ name: string; value?: string }>>(container, 'env').find((e) => e.name === 'STS_TRUST_PROXY')?.value;
  // Any pod inside a trusted range could name its own address and dodge the per-address limits;
  // only the operator knows its ingress's addresses, so as shipped nothing is trusted.
  t.equal(trust, undefined, 'unset: every request counts against the address it comes from');
});
