/**
 * NetworkPolicies of the standalone target: PostgreSQL admits clients in the namespace, pgBackRest's TLS servers
 * admit only the pods that use them, Patroni's REST API the instances and the switchover Job, the exporter admits
 * Prometheus, and Job pods admit nothing.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { instanceSelector } from './instances';
import { jobSelector } from './jobs';
import { clusterLabels } from './pod';
import { repoHostSelector } from './repo-host';
import { restoreCheckSelector } from './restore-checks';
import { switchoverRequest, switchoverSelector } from './switchover';
import { ClientAccess } from '../../client-access';
import { RepoStorage } from '../../repo-credentials';
import { kubeObject } from '../kube/kube-object';
import { ClusterModel, hasVolumeRepo } from '../model/cluster-model';
import { MANAGED_BY } from '../model/naming';
import { restoreSource } from '../model/restore-source';
import { EXPORTER_PORT } from '../monitoring/metrics';
import { PATRONI_PORT } from '../patroni/config';
import { TLS_SERVER_PORT } from '../pgbackrest/config';

export function renderNetworkPolicies(scope: Construct, model: ClusterModel): void {
  const meta = (name: string) => ({ name, namespace: model.namespace, labels: clusterLabels(model, MANAGED_BY) });
  const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

  kubeObject(k8s.KubeNetworkPolicy, scope, 'InstancesNetworkPolicy', {
    metadata: meta(`${model.name}-instances`),
    spec: {
      podSelector: { matchLabels: instanceSelector(model) },
      policyTypes: ['Ingress'],
      ingress: [
        // Clients: pods of the namespace by default, or who standalone.clientAccess names.
        ...(model.clientAccess.length ? [{ from: model.clientAccess.map(clientPeer), ports: [tcp(model.port)] }] : []),
        // pgBackRest reads PGDATA for backups only on behalf of the cluster's backup Jobs.
        { from: [{ podSelector: { matchLabels: jobSelector(model) } }], ports: [tcp(TLS_SERVER_PORT)] },
        // The exporter's metrics, from pods of every namespace: Prometheus usually runs in a namespace of its own,
        // whose labels this library cannot know. The port serves read-only metrics (backup ages and sizes, archiver
        // counters: no rows, no credentials) and nothing else; PostgreSQL and pgBackRest stay as tight as above.
        ...(model.monitoring.exporter ? [{ from: [{ namespaceSelector: {} }], ports: [tcp(EXPORTER_PORT)] }] : []),
        // Replication: the instances from each other, whoever else may connect; under Patroni also its REST API, which
        // members ask each other during an election (the kubelet's probes come from the node).
        {
          from: [{ podSelector: { matchLabels: instanceSelector(model) } }],
          ports: [tcp(model.port), ...(model.highAvailability.enabled ? [tcp(PATRONI_PORT)] : [])],
        },
        ...switchoverIngress(model, tcp(PATRONI_PORT)),
      ],
    },
  });
  if (hasVolumeRepo(model)) {
    kubeObject(k8s.KubeNetworkPolicy, scope, 'RepoHostNetworkPolicy', {
      metadata: meta(`${model.name}-repo-host`),
      spec: {
        podSelector: { matchLabels: repoHostSelector(model) },
        policyTypes: ['Ingress'],
        // Instances archive WAL to and restore from the volume repos through the repo host; restore checks read them.
        ingress: [{
          from: [{ podSelector: { matchLabels: instanceSelector(model) } }, { podSelector: { matchLabels: restoreCheckSelector(model) } }],
          ports: [tcp(TLS_SERVER_PORT)],
        }],
      },
    });
  }
  // A clone reads its source's volume repo through the source's repo host: admit the clone's instances there.
  const source = restoreSource(model);
  if (source?.sourceModel && source.repo.storage === RepoStorage.VOLUME) {
    kubeObject(k8s.KubeNetworkPolicy, scope, 'RestoreSourceNetworkPolicy', {
      metadata: meta(`${model.name}-restore-from-${source.sourceModel.name}`),
      spec: {
        podSelector: { matchLabels: repoHostSelector(source.sourceModel) },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: instanceSelector(model) } }], ports: [tcp(TLS_SERVER_PORT)] }],
      },
    });
  }
  kubeObject(k8s.KubeNetworkPolicy, scope, 'JobsNetworkPolicy', {
    metadata: meta(`${model.name}-backup-jobs`),
    spec: { podSelector: { matchLabels: jobSelector(model) }, policyTypes: ['Ingress'], ingress: [] },
  });
  // The switchover Job's pods, like the backup Jobs', admit nothing.
  if (switchoverRequest(model)) {
    kubeObject(k8s.KubeNetworkPolicy, scope, 'SwitchoverNetworkPolicy', {
      metadata: meta(`${model.name}-switchover`),
      spec: { podSelector: { matchLabels: switchoverSelector(model) }, policyTypes: ['Ingress'], ingress: [] },
    });
  }
}

/**
 * The switchover Job's pods reach Patroni's REST API on the instances, and nothing else there: their own label
 * (switchoverSelector), not the backup Jobs', which the instances admit to pgBackRest's TLS server.
 */
function switchoverIngress(model: ClusterModel, patroniPort: k8s.NetworkPolicyPort): k8s.NetworkPolicyIngressRule[] {
  if (!switchoverRequest(model)) return [];
  return [{ from: [{ podSelector: { matchLabels: switchoverSelector(model) } }], ports: [patroniPort] }];
}

/** The NetworkPolicy peer a ClientAccess admits. */
function clientPeer(access: ClientAccess): k8s.NetworkPolicyPeer {
  const { podLabels, namespaceLabels, cidr } = access._spec;
  if (cidr !== undefined) return { ipBlock: { cidr } };
  return {
    podSelector: podLabels ? { matchLabels: podLabels } : {},
    ...(namespaceLabels ? { namespaceSelector: { matchLabels: namespaceLabels } } : {}),
  };
}
