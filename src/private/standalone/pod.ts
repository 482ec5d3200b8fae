/**
 * Pod building blocks of the standalone target: restricted security contexts, volumes and environment, shared by
 * instance, repo-host and Job pods.
 */
import { k8s } from 'cdk8s-plus-28';
import { CredentialSourceKind } from '../../credential-source';
import { ClusterModel } from '../model/cluster-model';
import { LABEL, SUPERUSER } from '../model/naming';
import { CONF_DIR, ConfDirSource, SecureBinding, TLS_DIR } from '../pgbackrest/config';
import { envVarName } from '../pgbackrest/options';

/** Owner read-write, group read: what libpq, PostgreSQL and pgBackRest accept for root-owned key files. */
const KEY_MODE = 0o640;

/**
 * Pod-level security context meeting the "restricted" Pod Security Standard. With `userFromPlatform` the ids are
 * left to the platform (OpenShift's restricted SCC assigns a uid, gid 0 and an fsGroup).
 */
export function podSecurityContext(model: ClusterModel): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    ...(model.runAsUser !== undefined ? { runAsUser: model.runAsUser, runAsGroup: model.runAsUser } : {}),
    ...(model.fsGroup !== undefined ? { fsGroup: model.fsGroup, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Where nss_wrapper's files for the pod's uid are written (the pod's shared /tmp) and read. */
const NSS_WRAPPER_DIR = '/tmp/nss_wrapper';

/**
 * The env of every container of the IvorySQL image: the superuser's name, and nss_wrapper reading the passwd and
 * group files the bootstrap container writes (NSS_WRAPPER_FUNCTION), so any uid has a name.
 */
export function ivorysqlUserEnv(): k8s.EnvVar[] {
  return env({
    SUPERUSER,
    LD_PRELOAD: 'libnss_wrapper.so',
    NSS_WRAPPER_PASSWD: `${NSS_WRAPPER_DIR}/passwd`,
    NSS_WRAPPER_GROUP: `${NSS_WRAPPER_DIR}/group`,
  });
}

/** Container-level security context meeting the "restricted" Pod Security Standard. */
export function containerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
  };
}

/** The pod fields every standalone pod shares. */
export function podDefaults(model: ClusterModel, serviceAccountName: string): Partial<k8s.PodSpec> {
  return {
    serviceAccountName,
    // No pod talks to the Kubernetes API: no token is mounted anywhere.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(model),
  };
}

/** A small private /tmp: sockets, locks and pgBackRest's scratch files. */
export function tmpVolume(): k8s.Volume {
  return { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } };
}

export const TMP_MOUNT: k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };

/** conf.d: the role's conf files from the cluster ConfigMap plus the credential and CA files. */
export function pgbackrestConfigVolume(configMap: string, files: { key: string; path: string }[], extra: ConfDirSource[], name = 'pgbackrest-config'): k8s.Volume {
  const sources: k8s.VolumeProjection[] = [{ configMap: { name: configMap, items: files } }];
  for (const s of extra) {
    const items = s.items?.map(i => ({ ...i, ...(s.kind === 'secret' ? { mode: KEY_MODE } : {}) }));
    if (s.kind === 'secret') sources.push({ secret: { name: s.name, ...(items ? { items } : {}) } });
    else sources.push({ configMap: { name: s.name, ...(items ? { items } : {}) } });
  }
  return { name, projected: { sources, defaultMode: 0o644 } };
}

export const PGBACKREST_CONFIG_MOUNT: k8s.VolumeMount = { name: 'pgbackrest-config', mountPath: CONF_DIR, readOnly: true };

/** A kubernetes.io/tls Secret with its key readable only by its owner and group. */
export function tlsVolume(name: string, secretName: string): k8s.Volume {
  return {
    name,
    secret: {
      secretName,
      items: [
        { key: 'ca.crt', path: 'ca.crt', mode: 0o644 },
        { key: 'tls.crt', path: 'tls.crt', mode: 0o644 },
        { key: 'tls.key', path: 'tls.key', mode: KEY_MODE },
      ],
    },
  };
}

/** The volume of the pod's pgBackRest TLS Secret, mounted at TLS_DIR. */
export const PGBACKREST_TLS_VOLUME = 'pgbackrest-tls';
export const PGBACKREST_TLS_MOUNT: k8s.VolumeMount = { name: PGBACKREST_TLS_VOLUME, mountPath: TLS_DIR, readOnly: true };

/** Environment variables carrying secure options from Secrets: `PGBACKREST_REPO1_S3_KEY` from `secretKeyRef`. */
export function secureEnv(bindings: SecureBinding[]): k8s.EnvVar[] {
  return bindings
    .filter(b => b.source.kind === CredentialSourceKind.SECRET && !b.asFile)
    .map(b => ({ name: envVarName(b.option), valueFrom: { secretKeyRef: { name: b.source.secretName as string, key: b.source.key } } }));
}

export function env(values: { [name: string]: string | undefined }): k8s.EnvVar[] {
  return Object.entries(values).filter(([, v]) => v !== undefined).map(([name, value]) => ({ name, value: value as string }));
}

export function fieldEnv(name: string, fieldPath: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** Labels of every object of the cluster. */
export function clusterLabels(model: ClusterModel, extra: { [key: string]: string } = {}): { [key: string]: string } {
  return { ...model.labels, [LABEL.cluster]: model.name, ...extra };
}

/** `bash -ceu -- <script> <name> <args...>`: the script sees its arguments as "$@". */
export function bashCommand(script: string, name: string, args: string[] = []): { command: string[] } {
  return { command: ['bash', '-ceu', '--', script.trim() + '\n', name, ...args] };
}
