/**
 * The repo host of the standalone target: a StatefulSet serving the volume repos over pgBackRest's TLS server,
 * and one PersistentVolumeClaim per volume repo that outlives every other object of the cluster.
 */
import { Size } from 'cdk8s';
import { k8s, Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_KEYS, SERVER_CONF_FILE, StandaloneContext } from './context';
import { pgbackrestServerContainer } from './database';
import {
  clusterLabels, containerSecurityContext, pgbackrestConfigVolume, PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, PGBACKREST_TLS_VOLUME,
  podDefaults, TMP_MOUNT, tmpVolume, tlsVolume,
} from './pod';
import { tlsSecretNames } from './tls';
import { kubeObject } from '../kube/kube-object';
import { renderResources } from '../kube/resources';
import { volumeClaimSpec } from '../kube/volume-claim';
import { ClusterModel, ResolvedRepo, volumeRepos } from '../model/cluster-model';
import { ANNOTATION, LABEL, MANAGED_BY } from '../model/naming';
import { repoHostLogDir, repoMountPath } from '../pgbackrest/layout';

/**
 * Annotations that keep GitOps tools from deleting backup data when the object disappears from the manifests:
 * Argo CD neither prunes nor deletes it, Flux does not prune it, Helm keeps it.
 */
export const KEEP_ANNOTATIONS = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'helm.sh/resource-policy': 'keep',
};

export function repoHostSelector(model: ClusterModel): { [key: string]: string } {
  return { [LABEL.cluster]: model.name, [LABEL.pgbackrest]: '', [LABEL.pgbackrestDedicated]: '' };
}

/** The volume and mount of a volume repo, as repo host and Jobs mount it. */
export function repoVolume(model: ClusterModel, r: ResolvedRepo): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return {
    volume: { name: r.name, persistentVolumeClaim: { claimName: model.names.repoVolume(r.name) } },
    mount: { name: r.name, mountPath: repoMountPath(r.name) },
  };
}

export function renderRepoHost(scope: Construct, ctx: StandaloneContext): void {
  const { model } = ctx;
  const repos = volumeRepos(model.repos);
  for (const r of repos) {
    const s = r.repo._storage;
    kubeObject(k8s.KubePersistentVolumeClaim, scope, `RepoVolume-${r.name}`, {
      metadata: {
        name: model.names.repoVolume(r.name),
        namespace: model.namespace,
        labels: clusterLabels(model, {
          [LABEL.pgbackrest]: '', [LABEL.pgbackrestRepo]: r.name, [LABEL.pgbackrestVolume]: '', [LABEL.data]: 'pgbackrest', ...MANAGED_BY,
        }),
        annotations: KEEP_ANNOTATIONS,
      },
      spec: volumeClaimSpec(s.size as Size, s.storageClassName, s.accessMode),
    });
  }

  const mounts = repos.map(r => repoVolume(model, r));
  const selector = repoHostSelector(model);
  const logDir = repoHostLogDir(repos[0].name);
  kubeObject(k8s.KubeStatefulSet, scope, 'RepoHost', {
    metadata: { name: model.names.repoHost, namespace: model.namespace, labels: clusterLabels(model, { ...selector, ...MANAGED_BY }) },
    spec: {
      serviceName: model.names.podsService,
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: clusterLabels(model, { ...selector, [LABEL.data]: 'pgbackrest' }), annotations: { ...model.annotations, [ANNOTATION.podConfigHash]: ctx.configHash.repoHost } },
        spec: {
          ...podDefaults(model, model.names.pgbackrestServiceAccount),
          ...(model.repoHost.priorityClassName ? { priorityClassName: model.repoHost.priorityClassName } : {}),
          initContainers: [{
            name: 'pgbackrest-log-dir',
            image: model.pgbackrestImage,
            imagePullPolicy: 'IfNotPresent',
            command: ['mkdir', '-p', logDir],
            securityContext: containerSecurityContext(),
            resources: renderResources(undefined, RESOURCES),
            volumeMounts: mounts.map(m => m.mount),
          }],
          containers: [pgbackrestServerContainer({
            image: model.pgbackrestImage,
            env: [],
            resources: renderResources(model.repoHost.resources, RESOURCES),
            volumeMounts: [...mounts.map(m => m.mount), PGBACKREST_CONFIG_MOUNT, PGBACKREST_TLS_MOUNT, TMP_MOUNT],
            readiness: true,
          })],
          volumes: [
            ...mounts.map(m => m.volume),
            pgbackrestConfigVolume(model.names.pgbackrestConfig, [
              { key: CONFIG_KEYS.repoHost, path: CONFIG_KEYS.repoHost },
              { key: CONFIG_KEYS.server, path: SERVER_CONF_FILE },
            ], []),
            tlsVolume(PGBACKREST_TLS_VOLUME, tlsSecretNames(model).pgbackrest),
            tmpVolume(),
          ],
        },
      },
    },
  });
}

const RESOURCES = { cpu: { request: Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } };
