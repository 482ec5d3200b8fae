/** An instance set as it is added to a cluster: its name, StatefulSet and volumes, checked then. */
import { Size } from 'cdk8s';
import { InstanceSetProps } from '../../instance-set';
import { InstanceSpread, SpreadConstraint, SpreadRule } from '../../instance-spread';
import { checkInput } from '../input';
import { validateResources } from '../kube/resources';
import { checkDnsLabel, checkInteger, Problems } from '../validation';
import { ResolvedInstanceSet } from './cluster-model';
import { DATABASE_RESOURCES } from './defaults';
import { ClusterNames, MAX_STATEFULSET_NAME } from './naming';

/** Resolves `set`, the `position`th set of a cluster whose sets are `existing`; undefined when refused. */
export function resolveInstanceSet(problems: Problems, field: string, value: InstanceSetProps, position: number,
  names: ClusterNames, existing: readonly ResolvedInstanceSet[]): ResolvedInstanceSet | undefined {
  const before = problems.messages.length;
  const input = new Problems();
  const set = checkInput(input, 'InstanceSetProps', value);
  problems.mergeAt(field, input);
  const setName = set.name ?? `instance${position + 1}`;
  if (checkDnsLabel(problems, `${field}.name`, setName)) {
    const sts = names.instanceSet(setName);
    if (sts.length > MAX_STATEFULSET_NAME) {
      problems.add(`${field}.name`, setName, `makes the StatefulSet name "${sts}" longer than ${MAX_STATEFULSET_NAME} characters; shorten the cluster or set name`);
    }
  }
  if (existing.some(s => s.name === setName)) problems.add(`${field}.name`, setName, 'instance set names must be unique');
  const replicas = set.replicas ?? 1;
  checkInteger(problems, `${field}.replicas`, replicas, 1, 100);
  const dataVolumeSize = set.dataVolumeSize ?? Size.gibibytes(1);
  for (const [f, size] of [['dataVolumeSize', dataVolumeSize], ['walVolumeSize', set.walVolumeSize]] as const) {
    if (size !== undefined && !(size instanceof Size && size.toKibibytes() >= 1024)) {
      problems.add(`${field}.${f}`, size, 'must be a cdk8s Size of at least 1 MiB');
    }
  }
  for (const f of ['storageClassName', 'walStorageClassName'] as const) {
    const sc = set[f];
    if (sc !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sc)) problems.add(`${field}.${f}`, sc, 'must be a DNS-1123 subdomain');
  }
  validateResources(problems, `${field}.resources`, set.resources);
  const sharedMemorySize = set.sharedMemorySize ?? Size.gibibytes(1);
  if (!(sharedMemorySize instanceof Size && sharedMemorySize.toKibibytes() >= 64 * 1024)) {
    problems.add(`${field}.sharedMemorySize`, sharedMemorySize, 'must be a cdk8s Size of at least 64 MiB (the container runtime\'s own default)');
  } else {
    // The limit rendered: the set's own, else the standalone default (the operator target refuses the prop).
    const limit = (set.resources?.memory ?? DATABASE_RESOURCES.memory).limit;
    if (limit && sharedMemorySize.toKibibytes() > limit.toKibibytes()) {
      problems.add(`${field}.sharedMemorySize`, `${sharedMemorySize.toMebibytes()} MiB`,
        `must not exceed the database container's memory limit (${limit.toMebibytes()} MiB): /dev/shm's pages count against it`);
    }
  }
  const standaloneOnly: ResolvedInstanceSet['standaloneOnly'] = [];
  if (set.sharedMemorySize !== undefined) {
    standaloneOnly.push({ field: `${field}.sharedMemorySize`, value: sharedMemorySize, why: 'IVYO mounts a /dev/shm of its own, unbounded, and its CRD has no field to size it' });
  }
  const spread = resolveSpread(problems, `${field}.spread`, set.spread ?? InstanceSpread.nodesAndZones());
  if (set.spread !== undefined) {
    standaloneOnly.push({ field: `${field}.spread`, value: set.spread, why: 'IVYO spreads instances with defaults of its own (nodes and zones, preferred)' });
  }
  if (problems.messages.length > before) return undefined;
  return {
    name: setName,
    replicas,
    dataVolumeSize,
    storageClassName: set.storageClassName,
    walVolumeSize: set.walVolumeSize,
    walStorageClassName: set.walStorageClassName ?? set.storageClassName,
    resources: set.resources,
    sharedMemorySize,
    spread,
    standaloneOnly,
    statefulSet: names.instanceSet(setName),
  };
}

const TOPOLOGY_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function resolveSpread(problems: Problems, field: string, spread: InstanceSpread): SpreadConstraint[] {
  const constraints: SpreadConstraint[] = [];
  const keys = new Set<string>();
  spread.constraints.forEach((c, i) => {
    const f = `${field}.constraints[${i}]`;
    if (typeof c !== 'object' || c === null) {
      problems.add(f, c, 'must be a SpreadConstraint ({ topologyKey, maxSkew?, rule? })');
      return;
    }
    if (typeof c.topologyKey !== 'string' || !TOPOLOGY_KEY.test(c.topologyKey) || c.topologyKey.length > 316) {
      problems.add(`${f}.topologyKey`, c.topologyKey, 'must be a node label key such as topology.kubernetes.io/zone');
    } else if (keys.has(c.topologyKey)) {
      problems.add(`${f}.topologyKey`, c.topologyKey, 'is given twice: one constraint per topology key');
    } else {
      keys.add(c.topologyKey);
    }
    const maxSkew = c.maxSkew ?? 1;
    checkInteger(problems, `${f}.maxSkew`, maxSkew, 1, 100);
    const rule = c.rule ?? SpreadRule.PREFERRED;
    if (!Object.values(SpreadRule).includes(rule)) problems.add(`${f}.rule`, rule, 'must be SpreadRule.PREFERRED or SpreadRule.REQUIRED');
    constraints.push({ topologyKey: c.topologyKey, maxSkew, rule });
  });
  return constraints;
}
