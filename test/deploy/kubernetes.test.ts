import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

t.test('metrics are scraped by a ServiceMonitor through their own Service only', async (t) => {
  const metricsService = find('Service', 'agent-sts-metrics');
  const main = find('Service', 'agent-sts');
  t.ok(matches(at(metricsService, 'spec.selector'), podLabels()));
  t.ok(matches(at(main, 'spec.selector'), podLabels()));
  const mainPorts = at<Array<{ targetPort: unknown }>>(main, 'spec.ports');
  t.notOk(mainPorts.some((p) => p.targetPort === 'metrics' || p.targetPort === 9464), 'the agents\' Service has no metrics port');
  const monitor = find('ServiceMonitor', 'agent-sts');
  t.ok(matches(at(monitor, 'spec.selector.matchLabels'), at(metricsService, 'metadata.labels')));
  const port = at<string>(monitor, 'spec.endpoints.0.port');
  t.ok(at<Array<{ name: string; port: number }>>(metricsService, 'spec.ports').some((p) => p.name === port && p.port === 9464));
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
});
