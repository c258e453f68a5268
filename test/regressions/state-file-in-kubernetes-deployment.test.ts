/**
 * Regression (review): the shipped Kubernetes Deployment set no STS_STATE_FILE, so its brokers
 * kept suspensions only in memory. Now it sets one on a writable volume: the container's root
 * filesystem is read-only and a broker that cannot write its state file does not start.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Mount { name: string; mountPath: string; readOnly?: boolean }
interface Volume { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown; ephemeral?: unknown }
interface PodSpec {
  securityContext: { runAsUser: number; fsGroup?: number };
  containers: Array<{ name: string; env: Array<{ name: string; value?: string }>; volumeMounts: Mount[]; securityContext: { readOnlyRootFilesystem?: boolean } }>;
  volumes: Volume[];
}

const deployment = parseAllDocuments(readFileSync('deploy/kubernetes/deployment.yaml', 'utf8'))
  .map((d) => d.toJSON() as { kind: string; spec: { template: { spec: PodSpec } } })
  .find((d) => d.kind === 'Deployment');
const pod = deployment?.spec.template.spec as PodSpec;
const broker = pod.containers.find((c) => c.name === 'agent-sts');

t.test('the broker keeps its state file on a writable volume', async (t) => {
  const stateFile = broker?.env.find((e) => e.name === 'STS_STATE_FILE')?.value;
  t.match(stateFile, /^\/.+/, 'STS_STATE_FILE is an absolute path');
  t.equal(broker?.securityContext.readOnlyRootFilesystem, true, 'so it must be on a volume');
  const mount = broker?.volumeMounts.find((m) => stateFile !== undefined && dirname(stateFile) === m.mountPath);
  t.ok(mount, 'its directory is a volume mount (the file is renamed into it)');
  t.notOk(mount?.readOnly, 'mounted writable');
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  t.ok(volume?.emptyDir ?? volume?.persistentVolumeClaim ?? volume?.ephemeral, 'a volume the pod may write (not a ConfigMap or Secret)');
  // The image runs as `node` (uid 1000); fsGroup makes a persistent volume swapped in writable by it.
  t.match(readFileSync('Dockerfile', 'utf8'), /^USER node$/m);
  t.equal(pod.securityContext.runAsUser, 1000);
  t.equal(pod.securityContext.fsGroup, 1000);
});
