import { ContainerResources, Cpu } from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Problems } from './validation';

/** Converts cdk8s-plus container resources to the Kubernetes shape, with defaults for unset values. */
export function renderResources(resources: ContainerResources | undefined, defaults: ContainerResources): k8s.ResourceRequirements {
  const r = resources ?? defaults;
  const requests: { [key: string]: k8s.Quantity } = {};
  const limits: { [key: string]: k8s.Quantity } = {};
  const cpu = r.cpu ?? defaults.cpu;
  const memory = r.memory ?? defaults.memory;
  if (cpu?.request) requests.cpu = k8s.Quantity.fromString(cpu.request.amount);
  if (cpu?.limit) limits.cpu = k8s.Quantity.fromString(cpu.limit.amount);
  if (memory?.request) requests.memory = k8s.Quantity.fromString(`${memory.request.toMebibytes()}Mi`);
  if (memory?.limit) limits.memory = k8s.Quantity.fromString(`${memory.limit.toMebibytes()}Mi`);
  const out: { requests?: typeof requests; limits?: typeof limits } = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}

/** CPU cores of a container: its limit, else its request; undefined when neither is set. */
export function cpuCores(resources: ContainerResources): number | undefined {
  const amount = resources.cpu?.limit?.amount ?? resources.cpu?.request?.amount;
  if (amount === undefined) return undefined;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
}

export function validateResources(problems: Problems, field: string, resources: ContainerResources | undefined): void {
  if (resources === undefined) return;
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
}
