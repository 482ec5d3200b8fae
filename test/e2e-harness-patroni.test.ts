/**
 * The harness runs a Patroni pod as rendered except for its DCS (a few seconds, one member): a hand-written pod of
 * the shape the library renders (ConfigMap with 10-cluster.yaml and a kubernetes 30-dcs.yaml, PATRONI_KUBERNETES_* env,
 * the projected token volume, httpGet readiness, the -ha / -primary / -replicas Services), not the library's output:
 * what it shows is the harness's side, so the library's suites can rely on it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { describeE2E, LocalCluster, PATRONI_PREREQUISITES, SERVICE_ACCOUNT_TOKEN_PLACEHOLDER } from './e2e/harness/cluster';
import { etcd3Section } from './e2e/harness/dcs';

const run = describeE2E(__filename, PATRONI_PREREQUISITES);
jest.setTimeout(120_000);

const L = 'ivory-operator.ivorysql.org';
const ns = 'db';
const cluster10 = [
  'scope: x-ha',
  'bootstrap:',
  '  dcs: {ttl: 20, loop_wait: 2, retry_timeout: 5, postgresql: {parameters: {unix_socket_directories: /pgdata},',
  "    pg_hba: ['local all all trust', 'host all all all trust', 'host replication all all trust']}}",
  '  initdb: [{auth: trust}]',
  'postgresql:',
  '  bin_dir: /usr/local/ivorysql/ivorysql-5/bin',
  '  use_unix_socket: true',
  '  pgpass: /pgdata/.pgpass',
  '  authentication: {superuser: {username: ivorysql}, replication: {username: replicator, password: r}}',
  '',
].join('\n');
const dcs30 = `kubernetes:\n  namespace: ${ns}\n  use_endpoints: true\n  role_label: ${L}/role\n  scope_label: ${L}/patroni\n  labels:\n    ${L}/cluster: x\n`;

function manifests(): any[] {
  const env = (name: string, value: string) => ({ name, value });
  return [
    { kind: 'ConfigMap', metadata: { name: 'x-patroni', namespace: ns }, data: { '10-cluster.yaml': cluster10, '30-dcs.yaml': dcs30 } },
    { kind: 'Service', metadata: { name: 'x-pods', namespace: ns }, spec: { clusterIP: 'None', selector: { [`${L}/cluster`]: 'x' } } },
    { kind: 'Service', metadata: { name: 'x-ha', namespace: ns }, spec: { ports: [{ name: 'postgres', port: 5432 }] } },
    { kind: 'Service', metadata: { name: 'x-ha-config', namespace: ns }, spec: { clusterIP: 'None' } },
    { kind: 'Service', metadata: { name: 'x-primary', namespace: ns }, spec: { type: 'ExternalName', externalName: `x-ha.${ns}.svc.cluster.local` } },
    { kind: 'Service', metadata: { name: 'x-replicas', namespace: ns }, spec: { selector: { [`${L}/cluster`]: 'x', [`${L}/role`]: 'replica' } } },
    {
      kind: 'StatefulSet',
      metadata: { name: 'x-instance1', namespace: ns },
      spec: {
        serviceName: 'x-pods',
        template: {
          metadata: { labels: { [`${L}/cluster`]: 'x', [`${L}/patroni`]: 'x-ha' } },
          spec: {
            volumes: [
              { name: 'patroni', projected: { sources: [{ configMap: { name: 'x-patroni', items: [{ key: '10-cluster.yaml', path: '10-cluster.yaml' }, { key: '30-dcs.yaml', path: '30-dcs.yaml' }] } }] } },
              {
                name: 'token',
                projected: {
                  sources: [
                    { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                    { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                    { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                  ],
                },
              },
              { name: 'pgdata', emptyDir: {} },
            ],
            containers: [{
              name: 'database',
              image: 'docker.io/ivorysql/ivorysql:ubi9-5.4-5.4-1',
              command: ['patroni', '/etc/patroni'],
              ports: [{ name: 'postgres', containerPort: 5432 }, { name: 'patroni', containerPort: 8008 }],
              env: [
                { name: 'PATRONI_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'PATRONI_KUBERNETES_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                env('PATRONI_KUBERNETES_PORTS', '[{"name":"postgres","port":5432,"protocol":"TCP"}]'),
                env('PATRONI_POSTGRESQL_CONNECT_ADDRESS', '$(PATRONI_NAME).x-pods:5432'),
                env('PATRONI_POSTGRESQL_LISTEN', '*:5432'),
                env('PATRONI_POSTGRESQL_DATA_DIR', '/pgdata/pg18'),
                env('PATRONI_RESTAPI_CONNECT_ADDRESS', '$(PATRONI_NAME).x-pods:8008'),
                env('PATRONI_RESTAPI_LISTEN', '*:8008'),
              ],
              readinessProbe: { httpGet: { path: '/readiness', port: 'patroni', scheme: 'HTTP' } },
              volumeMounts: [
                { name: 'patroni', mountPath: '/etc/patroni' },
                { name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
                { name: 'pgdata', mountPath: '/pgdata' },
              ],
            }],
          },
        },
      },
    },
  ];
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

run('e2e harness: a Patroni pod on etcd, everything else as given', () => {
  test('etcd substituted, httpGet readiness, the leader Endpoints, role labels and the ExternalName primary', async () => {
    const k = new LocalCluster(manifests());
    try {
      expect(k.dcs.started).toBe(false);
      const pod = await k.startStatefulSetPod('x-instance1', 0);
      expect(k.dcs.started).toBe(true);
      const volumes = `${pod.dir}/volumes`;
      expect(fs.readFileSync(`${volumes}/patroni/30-dcs.yaml`, 'utf8')).toBe(etcd3Section(k.network.gateway, k.dcs.port));
      expect(fs.readFileSync(`${volumes}/patroni/10-cluster.yaml`, 'utf8')).toBe(cluster10);
      expect(fs.readFileSync(`${volumes}/token/token`, 'utf8')).toBe(SERVICE_ACCOUNT_TOKEN_PLACEHOLDER);
      expect(fs.readFileSync(`${volumes}/token/namespace`, 'utf8')).toBe(ns);
      expect(Object.keys(k.resolveEnv(pod, pod.spec.containers[0])).filter(n => n.startsWith('PATRONI_KUBERNETES_'))).toEqual([]);

      await pod.waitReady(90);
      await until('the leader in etcd', async () => await k.dcs.leader('x-ha') === pod.name);
      await until('the role label and the -ha name', () => pod.metadata.labels[`${L}/role`] === 'primary' && k.network.lookup('x-ha') === pod.address);
      expect(await k.dcs.members('x-ha')).toEqual([{ name: pod.name, role: 'primary', state: 'running' }]);
      expect(k.network.lookup('x-primary')).toBe(pod.address);
      expect(k.network.lookup(`x-primary.${ns}.svc.cluster.local`)).toBe(pod.address);
      expect(k.network.lookup('x-replicas')).toBeUndefined();
      const inPod = await k.exec(pod.name, 'database', ['getent', 'hosts', 'x-primary']);
      expect(inPod.stdout.split(/\s+/)[0]).toBe(pod.address);
      const list = execFileSync('patronictl', ['--dcs-url', `etcd3://${k.network.gateway}:${k.dcs.port}`, 'list', 'x-ha'], { encoding: 'utf8' });
      expect(list).toMatch(new RegExp(`${pod.name} .*Leader .*running`));

      // A network cut: the link goes down (and comes back); Patroni cannot renew its lock meanwhile.
      k.cutNetwork(pod.name);
      expect(execFileSync('ip', ['-n', pod.netns, '-br', 'link', 'show', 'eth0'], { encoding: 'utf8' })).toMatch(/\bDOWN\b/);
      k.restoreNetwork(pod.name);
      expect(execFileSync('ip', ['-n', pod.netns, '-br', 'link', 'show', 'eth0'], { encoding: 'utf8' })).toMatch(/\bUP\b/);
    } finally {
      await k.destroy();
    }
  });
});
