import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ExternalSecretStoreRef } from '../../cluster-options';
import { CredentialSourceKind } from '../../credential-source';
import { ClusterModel } from '../model/cluster-model';
import { MANAGED_BY } from '../model/naming';
import { projectedFileName, SecureBinding } from '../pgbackrest/config';

/** The conf file the ExternalSecret renders, projected into conf.d. */
export const EXTERNAL_CONF_KEY = 'pgbackrest-secrets.conf';

/**
 * Declares an external-secrets `ExternalSecret` whose template renders the secure options that come from an
 * external store into a pgBackRest conf file (and key files), so no value is ever in git.
 * Returns the Secret's name, or undefined when no binding comes from an external store.
 */
export function renderExternalSecret(scope: Construct, model: ClusterModel, bindings: SecureBinding[], secretName: string): string | undefined {
  const external = bindings.filter(b => b.source.kind === CredentialSourceKind.EXTERNAL);
  if (external.length === 0 || !model.externalSecretStore) return undefined;
  const store = model.externalSecretStore;
  const templateData: { [key: string]: string } = {};
  const lines: [string, string][] = [];
  const data: { secretKey: string; remoteRef: { key: string; property?: string } }[] = [];
  for (const b of external) {
    const variable = b.option.replace(/-/g, '_');
    data.push({ secretKey: variable, remoteRef: { key: b.source.key, ...(b.source.property ? { property: b.source.property } : {}) } });
    if (b.asFile) {
      templateData[projectedFileName(b.option)] = `{{ .${variable} }}`;
    } else {
      lines.push([b.option, `${b.option}={{ .${variable} }}`]);
    }
  }
  if (lines.length) {
    const sorted = lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, line]) => line);
    templateData[EXTERNAL_CONF_KEY] = `[global]\n${sorted.join('\n')}\n`;
  }
  declareExternalSecret(scope, 'ExternalSecret', model, {
    name: secretName,
    ...fromClusterStore(store),
    template: { engineVersion: 'v2', data: templateData },
    data: data.sort((a, b) => (a.secretKey < b.secretKey ? -1 : 1)),
  });
  return secretName;
}

/** An ExternalSecret's store and refresh interval when it reads the cluster's store (`externalSecretStore`). */
export function fromClusterStore(store: ExternalSecretStoreRef): Pick<ExternalSecretSpec, 'store' | 'refreshSeconds'> {
  return {
    store: { name: store.name, kind: store.kind ?? 'SecretStore' },
    refreshSeconds: (store.refreshInterval ?? Duration.hours(1)).toSeconds(),
  };
}

/** What an ExternalSecret of the library declares: its Secret's name, where values come from and the template. */
export interface ExternalSecretSpec {
  readonly name: string;
  /** How often values are read again; 0: once (a generator's value is generated once). */
  readonly refreshSeconds: number;
  readonly store?: { name: string; kind: string };
  readonly template: { engineVersion: 'v2'; metadata?: { labels?: { [key: string]: string } }; data: { [key: string]: string } };
  readonly data?: { secretKey: string; remoteRef: { key: string; property?: string } }[];
  readonly dataFrom?: unknown[];
}

/** An external-secrets `ExternalSecret` owning the Secret it writes (deleted with it). */
export function declareExternalSecret(scope: Construct, id: string, model: ClusterModel, spec: ExternalSecretSpec): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: spec.name, namespace: model.namespace, labels: { ...model.labels, ...MANAGED_BY } },
    spec: {
      refreshInterval: `${spec.refreshSeconds}s`,
      ...(spec.store ? { secretStoreRef: spec.store } : {}),
      target: { name: spec.name, creationPolicy: 'Owner', template: spec.template },
      ...(spec.data ? { data: spec.data } : {}),
      ...(spec.dataFrom ? { dataFrom: spec.dataFrom } : {}),
    },
  });
}
