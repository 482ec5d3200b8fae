/**
 * Security checks over synthesized manifests: the Kubernetes "restricted" Pod Security Standard (plus a read-only
 * root filesystem and no service account token), RBAC without wildcards or pods/exec, and no credential anywhere.
 */
import { credentialOption } from '../../src/private/pgbackrest/options';

/** Every pod spec in a manifest, with where it was found. */
export function podSpecs(obj: any): { where: string; spec: any; metadata: any }[] {
  const id = `${obj.kind}/${obj.metadata?.name}`;
  switch (obj.kind) {
    case 'Pod': return [{ where: id, spec: obj.spec, metadata: obj.metadata }];
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return [{ where: id, spec: obj.spec.template.spec, metadata: obj.spec.template.metadata }];
    case 'CronJob': return [{ where: id, spec: obj.spec.jobTemplate.spec.template.spec, metadata: obj.spec.jobTemplate.spec.template.metadata }];
    default: return [];
  }
}

const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Violations of the restricted Pod Security Standard (v1.33) and of our own stricter rules. */
export function restrictedViolations(manifests: any[]): string[] {
  const problems: string[] = [];
  for (const obj of manifests) {
    for (const { where, spec, metadata } of podSpecs(obj)) {
      const psc = spec.securityContext ?? {};
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${where}: host namespaces`);
      if (spec.automountServiceAccountToken !== false) problems.push(`${where}: service account token mounted`);
      problems.push(...tokenViolations(where, spec, metadata));
      for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).find(k => k !== 'name');
        if (!RESTRICTED_VOLUME_TYPES.includes(type as string)) problems.push(`${where}: volume ${v.name} of type ${type}`);
      }
      if (psc.runAsUser === 0) problems.push(`${where}: pod runAsUser 0`);
      const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
      for (const c of containers) {
        const sc = c.securityContext ?? {};
        const at = `${where} container ${c.name}`;
        if (sc.privileged) problems.push(`${at}: privileged`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
        if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && psc.runAsNonRoot === true))) problems.push(`${at}: runAsNonRoot is not true`);
        if (sc.runAsUser === 0) problems.push(`${at}: runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
        if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) problems.push(`${at}: seccomp profile ${seccomp}`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities not dropped`);
        for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') problems.push(`${at}: adds capability ${cap}`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem writable`);
        for (const p of c.ports ?? []) if (p.hostPort) problems.push(`${at}: hostPort`);
      }
    }
  }
  return problems;
}

/**
 * A projected service account token is allowed only where the API is used: Patroni's container (`database`) of the
 * pods Patroni runs (labelled with its scope), nowhere else in that pod or in any other.
 */
function tokenViolations(where: string, spec: any, metadata: any): string[] {
  const tokenVolumes = (spec.volumes ?? []).filter((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken)).map((v: any) => v.name);
  if (tokenVolumes.length === 0) return [];
  const patroni = metadata?.labels?.['ivory-operator.ivorysql.org/patroni'] !== undefined;
  const problems: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts = (c.volumeMounts ?? []).filter((m: any) => tokenVolumes.includes(m.name));
    if (mounts.length && !(patroni && c.name === 'database')) problems.push(`${where} container ${c.name}: a service account token is mounted`);
  }
  return problems;
}

/** RBAC rules that grant too much. */
export function rbacViolations(manifests: any[]): string[] {
  const problems: string[] = [];
  for (const obj of manifests) {
    if (!['Role', 'ClusterRole'].includes(obj.kind)) continue;
    for (const rule of obj.rules ?? []) {
      const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])];
      if (all.includes('*')) problems.push(`${obj.kind}/${obj.metadata.name}: wildcard`);
      if ((rule.resources ?? []).includes('pods/exec')) problems.push(`${obj.kind}/${obj.metadata.name}: pods/exec`);
      if ((rule.resources ?? []).includes('secrets') && (rule.verbs ?? []).some((v: string) => ['list', 'watch'].includes(v))) {
        problems.push(`${obj.kind}/${obj.metadata.name}: may list secrets`);
      }
    }
  }
  return problems;
}

/**
 * A pgBackRest option given a value in a conf line or an argument (`repo1-s3-key = x`, `--repo-s3-key=x`): a leak
 * when the option is a credential in any spelling pgBackRest accepts, unless the value is a projected file's path.
 */
const OPTION_VALUE = /(?:^|[\s"'])(?:--)?([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*([^\s"']+)/gm;

function credentialOptionsSet(text: string): string[] {
  return [...text.matchAll(OPTION_VALUE)].filter(m => credentialOption(m[1]) !== undefined && !/^\/etc\//.test(m[2])).map(m => m[1]);
}

/** Strings that look like credentials whatever the test used. */
const CREDENTIAL_PATTERNS: RegExp[] = [
  /AKIA[0-9A-Z]{16}/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /(^|[\s;,])(password|passwd|pwd|secret|token|key)\s*=\s*[^\s{$][^\s]*/i,
  /[A-Za-z0-9+/]{60,}={0,2}/, // long base64 blobs such as Azure keys
  /sig=[A-Za-z0-9%]+/, // SAS signatures
];

/**
 * Every place a credential could leak: a Secret with data, or any string (ConfigMap data, args, env values,
 * labels, annotations, CR fields) that holds one of `knownSecrets` or looks like a credential.
 */
export function credentialLeaks(manifests: any[], knownSecrets: string[] = []): string[] {
  const problems: string[] = [];
  for (const obj of manifests) {
    const id = `${obj.kind}/${obj.metadata?.name}`;
    if (obj.kind === 'Secret' && (obj.data || obj.stringData)) problems.push(`${id}: a Secret with values in the manifests`);
    const visit = (value: unknown, where: string): void => {
      if (typeof value === 'string') {
        for (const secret of knownSecrets) if (secret && value.includes(secret)) problems.push(`${id} ${where}: contains a test secret`);
        // Templates of an ExternalSecret reference values ({{ .x }}) and never hold them.
        const text = value.replace(/\{\{[^}]*\}\}/g, '');
        for (const p of CREDENTIAL_PATTERNS) {
          const m = p.exec(text);
          if (m && !isAllowedMatch(m[0])) problems.push(`${id} ${where}: looks like a credential: ${m[0].slice(0, 40)}`);
        }
        for (const option of credentialOptionsSet(text)) problems.push(`${id} ${where}: gives the credential option ${option} a value`);
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${where}[${i}]`));
      } else if (value && typeof value === 'object') {
        // An environment variable pgBackRest reads a credential from, with a literal value instead of a secretKeyRef.
        const env = value as { name?: unknown; value?: unknown };
        if (typeof env.name === 'string' && typeof env.value === 'string' && credentialOption(env.name) !== undefined) {
          problems.push(`${id} ${where}: the environment variable ${env.name} holds a credential value`);
        }
        for (const [k, v] of Object.entries(value)) {
          if (knownSecrets.some(s => s && k.includes(s))) problems.push(`${id} ${where}.${k}: key contains a test secret`);
          visit(v, `${where}.${k}`);
        }
      }
    };
    visit(obj, '');
  }
  return problems;
}

/** Option names and paths that match the patterns but hold no value. */
function isAllowedMatch(text: string): boolean {
  return /key\s*=\s*\/etc\//i.test(text) // a key *file path*
    || /^[\s;,]?(key|token|secret)\s*=\s*(\/|\$\(|"%p")/i.test(text);
}

/**
 * What only the standalone target must have: NetworkPolicies around every workload it runs, and service account
 * tokens mounted nowhere (no pod talks to the Kubernetes API).
 */
export function standaloneViolations(manifests: any[]): string[] {
  const workloads = manifests.filter(m => ['StatefulSet', 'Job', 'CronJob'].includes(m.kind) && m.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'cdk8s-ivorysql');
  if (workloads.length === 0) return [];
  const policies = manifests.filter(m => m.kind === 'NetworkPolicy');
  const problems: string[] = [];
  for (const w of workloads) {
    const labels = w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template.metadata.labels : w.spec.template.metadata.labels;
    const covered = policies.some(p => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v));
    if (!covered) problems.push(`${w.kind}/${w.metadata.name}: no NetworkPolicy selects its pods`);
  }
  return problems;
}
