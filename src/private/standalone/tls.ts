/**
 * TLS of the standalone target: cert-manager Issuers and Certificates (or Secrets the user provides) for
 * pgBackRest's TLS server, PostgreSQL's server and the replication client.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterLabels } from './pod';
import { ClusterModel, hasVolumeRepo, instancePods } from '../model/cluster-model';
import { MANAGED_BY } from '../model/naming';
import { patroniScope } from '../patroni/config';
import { REPLICATION_USER } from '../postgres/config';

/** The CN pgBackRest's TLS servers authorize (`tls-server-auth`). */
export function pgbackrestCommonName(model: ClusterModel): string {
  return model.tls.secrets?.pgbackrestCommonName ?? `${model.name}-pgbackrest`;
}

/** The Secret names the pods mount. */
export function tlsSecretNames(model: ClusterModel): { pgbackrest: string; postgres: string; replication: string } {
  const s = model.tls.secrets;
  return s
    ? { pgbackrest: s.pgbackrestSecretName, postgres: s.postgresSecretName, replication: s.replicationSecretName }
    : { pgbackrest: model.names.tlsSecret, postgres: model.names.postgresTlsSecret, replication: model.names.replicationTlsSecret };
}

/** Every DNS name of a pod behind the headless Service, shortest first. */
function podNames(model: ClusterModel, pod: string): string[] {
  const n = model.names;
  return [`${pod}.${n.podsService}`, `${pod}.${n.podsService}.${n.namespace}`, `${pod}.${n.podsService}.${n.namespace}.svc`, n.podFqdn(pod)];
}

function serviceNames(model: ClusterModel, service: string): string[] {
  const n = model.names;
  return [service, `${service}.${n.namespace}`, `${service}.${n.namespace}.svc`, n.serviceFqdn(service)];
}

/** The DNS names pgBackRest's certificate must carry: every instance pod and the repo host pod. */
export function pgbackrestDnsNames(model: ClusterModel): string[] {
  const pods = instancePods(model);
  if (hasVolumeRepo(model)) pods.push(`${model.names.repoHost}-0`);
  return pods.flatMap(p => podNames(model, p));
}

/** The primary's Service names, under Patroni also the leader's and the replicas' Services, and every pod's. */
export function postgresDnsNames(model: ClusterModel): string[] {
  const n = model.names;
  const services = model.highAvailability.enabled ? [n.primaryService, n.replicasService, patroniScope(model)] : [n.primaryService];
  return [...services.flatMap(s => serviceNames(model, s)), ...instancePods(model).flatMap(p => podNames(model, p))];
}

export function renderTls(scope: Construct, model: ClusterModel): void {
  if (model.tls.source !== 'certManager') return;
  const options = model.tls.certManagerOptions ?? {};
  const labels = clusterLabels(model, MANAGED_BY);
  const meta = (name: string) => ({ name, namespace: model.namespace, labels });
  let issuerRef: { name: string; kind: string; group: string };
  if (options.issuerName) {
    issuerRef = { name: options.issuerName, kind: options.issuerKind ?? 'Issuer', group: 'cert-manager.io' };
  } else {
    new ApiObject(scope, 'SelfSignedIssuer', {
      apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(model.names.selfSignedIssuer), spec: { selfSigned: {} },
    });
    new ApiObject(scope, 'CaCertificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(model.names.caSecret),
      spec: {
        isCA: true,
        commonName: `${model.name}-ca`,
        secretName: model.names.caSecret,
        duration: '87600h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { name: model.names.selfSignedIssuer, kind: 'Issuer', group: 'cert-manager.io' },
      },
    });
    new ApiObject(scope, 'CaIssuer', {
      apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(model.names.caIssuer), spec: { ca: { secretName: model.names.caSecret } },
    });
    issuerRef = { name: model.names.caIssuer, kind: 'Issuer', group: 'cert-manager.io' };
  }
  const secrets = tlsSecretNames(model);
  const certificate = (id: string, secretName: string, spec: { [key: string]: unknown }) => new ApiObject(scope, id, {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: meta(secretName),
    spec: {
      secretName,
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      issuerRef,
      ...spec,
    },
  });
  certificate('PgBackRestCertificate', secrets.pgbackrest, {
    commonName: pgbackrestCommonName(model),
    dnsNames: pgbackrestDnsNames(model),
    usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
  });
  certificate('PostgresCertificate', secrets.postgres, {
    commonName: model.names.primaryService,
    dnsNames: postgresDnsNames(model),
    usages: ['digital signature', 'key encipherment', 'server auth'],
  });
  certificate('ReplicationCertificate', secrets.replication, {
    commonName: REPLICATION_USER,
    usages: ['digital signature', 'key encipherment', 'client auth'],
  });
}
