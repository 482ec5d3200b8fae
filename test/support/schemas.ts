/**
 * Schema validation of synthesized manifests: IvoryClusters against IVYO's CRD (unknown fields are errors),
 * Kubernetes objects against kubernetes-models (Kubernetes 1.33), cert-manager and external-secrets objects
 * against their CRD models, plus object-name rules no schema checks.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as certManagerModels from '@kubernetes-models/cert-manager';
import * as externalSecretModels from '@kubernetes-models/external-secrets';
import * as prometheusOperatorModels from '@kubernetes-models/prometheus-operator';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as kubernetesModels from 'kubernetes-models';
import * as YAML from 'yaml';

const CRD_PATH = path.join(__dirname, 'ivoryclusters.crd.yaml');

let ivoryValidator: ValidateFunction | undefined;

/** Closes every object schema that lists its properties, so a field the CRD does not know is an error. */
function closeObjects(node: any): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
    return;
  }
  if (node.type === 'object' && node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    node.additionalProperties = false;
  }
  for (const value of Object.values(node)) closeObjects(value);
}

function ivoryClusterValidator(): ValidateFunction {
  if (!ivoryValidator) {
    const crd = YAML.parse(fs.readFileSync(CRD_PATH, 'utf8'));
    const version = crd.spec.versions.find((v: any) => v.name === 'v1beta1');
    const schema = JSON.parse(JSON.stringify(version.schema.openAPIV3Schema));
    closeObjects(schema);
    // metadata is validated by Kubernetes, not the CRD.
    schema.properties.metadata = { type: 'object' };
    // The CRD puts patterns beside anyOf and requires keys of open maps; only unknown keywords stay strict.
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, strictTuples: false });
    addFormats(ajv);
    ajv.addVocabulary(['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type',
      'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-embedded-resource', 'x-kubernetes-validations']);
    ivoryValidator = ajv.compile(schema);
  }
  return ivoryValidator;
}

/** kubernetes-models' root export: group (camel-cased) -> version -> kind class. */
const models: any = kubernetesModels;
const certManager: any = certManagerModels;
const externalSecrets: any = externalSecretModels;
const prometheusOperator: any = prometheusOperatorModels;

function modelClass(apiVersion: string, kind: string): any {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'cert-manager.io') return certManager.certManagerIo?.[version]?.[kind];
  if (group === 'monitoring.coreos.com') return prometheusOperator.monitoringCoreosCom?.[version]?.[kind];
  // The v1 API has the v1beta1 shape; the models package only ships v1beta1.
  if (group === 'external-secrets.io') return externalSecrets.externalSecretsIo?.v1beta1?.[kind];
  if (group === 'generators.external-secrets.io') return externalSecrets.generatorsExternalSecretsIo?.[version]?.[kind];
  const groupKey = group === '' ? null : group.replace(/\.k8s\.io$/, 'K8sIo').replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
  const g = group === '' ? models : models[groupKey as string] ?? models[group.replace(/\./g, '')];
  return (group === '' ? g[version] : g?.[version])?.[kind];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Names and labels: rules the API server enforces that no schema above checks. */
function checkMetadata(obj: any): string[] {
  const errors: string[] = [];
  const m = obj.metadata ?? {};
  const nameRule = ['Service', 'StatefulSet', 'CronJob', 'Namespace'].includes(obj.kind) ? DNS_LABEL : DNS_SUBDOMAIN;
  if (typeof m.name !== 'string' || !nameRule.test(m.name) || m.name.length > (obj.kind === 'CronJob' ? 52 : obj.kind === 'Job' ? 63 : 253)) {
    errors.push(`metadata.name ${JSON.stringify(m.name)} is not a valid ${obj.kind} name`);
  }
  if (m.namespace !== undefined && !DNS_LABEL.test(m.namespace)) errors.push(`metadata.namespace ${m.namespace} is invalid`);
  const labelSets = [m.labels, obj.spec?.template?.metadata?.labels, obj.spec?.jobTemplate?.spec?.template?.metadata?.labels];
  for (const labels of labelSets) {
    for (const [k, v] of Object.entries(labels ?? {})) {
      if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) errors.push(`label ${k}=${JSON.stringify(v)} has an invalid value`);
    }
  }
  return errors;
}

/** Throws with every problem found in any of the manifests. */
export function validateManifests(manifests: any[]): void {
  const errors: string[] = [];
  for (const obj of manifests) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    if (obj.apiVersion === 'ivory-operator.ivorysql.org/v1beta1' && obj.kind === 'IvoryCluster') {
      const validate = ivoryClusterValidator();
      if (!validate(obj)) {
        errors.push(...(validate.errors ?? []).map(e => `${id}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
      }
    } else {
      const Model = modelClass(obj.apiVersion, obj.kind);
      if (!Model) {
        errors.push(`${id}: no schema known for ${obj.apiVersion} ${obj.kind}`);
      } else {
        try {
          new Model(obj.apiVersion === 'external-secrets.io/v1' ? { ...obj, apiVersion: 'external-secrets.io/v1beta1' } : obj).validate();
        } catch (e) {
          errors.push(`${id}: ${(e as Error).message}`);
        }
      }
    }
    errors.push(...checkMetadata(obj).map(e => `${id}: ${e}`));
  }
  if (errors.length) throw new Error(`schema validation failed:\n${errors.join('\n')}`);
}
