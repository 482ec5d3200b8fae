import { Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Problems } from '../validation';

/** Resource requests and limits as plain quantities, for custom resources. */
export interface PlainResources {
  readonly requests?: { [resource: string]: string };
  readonly limits?: { [resource: string]: string };
}

/** Converts cdk8s-plus container resources to the Kubernetes shape, with defaults for unset values. */
export function plainResources(resources: ContainerResources | undefined, defaults: ContainerResources): PlainResources {
  const r = resources ?? defaults;
  const requests: { [key: string]: string } = {};
  const limits: { [key: string]: string } = {};
  const cpu = r.cpu ?? defaults.cpu;
  const memory = r.memory ?? defaults.memory;
  if (cpu?.request) requests.cpu = cpu.request.amount;
  if (cpu?.limit) limits.cpu = cpu.limit.amount;
  if (memory?.request) requests.memory = quantity(memory.request.toKibibytes());
  if (memory?.limit) limits.memory = quantity(memory.limit.toKibibytes());
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

/** The same, typed for the Kubernetes L1 constructs. */
export function renderResources(resources: ContainerResources | undefined, defaults: ContainerResources): k8s.ResourceRequirements {
  const plain = plainResources(resources, defaults);
  const toKube = (m?: { [k: string]: string }) => m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
  return { requests: toKube(plain.requests), limits: toKube(plain.limits) };
}

/** A size in KiB as the largest whole binary unit: 1048576 -> 1Gi. */
export function quantity(kib: number): string {
  const units: [string, number][] = [['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]];
  for (const [unit, factor] of units) {
    if (kib % factor === 0) return `${kib / factor}${unit}`;
  }
  return `${Math.ceil(kib)}Ki`;
}

/** CPU cores of a container: its limit, else its request; undefined when neither is set. */
export function cpuCores(resources: ContainerResources): number | undefined {
  const amount = resources.cpu?.limit?.amount ?? resources.cpu?.request?.amount;
  if (amount === undefined) return undefined;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
}

export function validateResources(problems: Problems, field: string, resources: ContainerResources | undefined): void {
  if (resources === undefined || resources === null) return;
  const cpu = resources.cpu;
  for (const which of ['request', 'limit'] as const) {
    const c = cpu?.[which];
    if (c !== undefined && !(c instanceof Cpu && /^(\d+(\.\d+)?|\d+m)$/.test(c.amount) && Number(c.amount.replace('m', '')) > 0)) {
      problems.add(`${field}.cpu.${which}`, c instanceof Cpu ? c.amount : c, 'must be a positive Cpu, e.g. Cpu.millis(500) or Cpu.units(2)');
    }
    const m = resources.memory?.[which];
    if (m !== undefined && !(typeof m.toMebibytes === 'function' && m.toKibibytes() >= 1024)) {
      problems.add(`${field}.memory.${which}`, m, 'must be a Size of at least 1 MiB');
    }
  }
  // Kubernetes refuses a container whose request is above its limit.
  const cores = (c: unknown) => (c instanceof Cpu && /^(\d+(\.\d+)?|\d+m)$/.test(c.amount) ? (c.amount.endsWith('m') ? Number(c.amount.slice(0, -1)) / 1000 : Number(c.amount)) : undefined);
  const [cpuRequest, cpuLimit] = [cores(cpu?.request), cores(cpu?.limit)];
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    problems.add(`${field}.cpu.request`, cpu?.request?.amount, `is above the limit (${cpu?.limit?.amount}); Kubernetes refuses a request above its limit`);
  }
  const kib = (m: unknown) => {
    try {
      return m instanceof Size ? m.toKibibytes() : undefined;
    } catch {
      return undefined;
    }
  };
  const [memRequest, memLimit] = [kib(resources.memory?.request), kib(resources.memory?.limit)];
  if (memRequest !== undefined && memLimit !== undefined && memRequest > memLimit) {
    problems.add(`${field}.memory.request`, `${memRequest}Ki`, `is above the limit (${memLimit}Ki); Kubernetes refuses a request above its limit`);
  }
}
