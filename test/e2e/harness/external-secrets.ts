/**
 * The harness's external-secrets operator: what it does with the ExternalSecrets the library renders for users'
 * pguser Secrets, and nothing more. Values come from the stores and generators the manifests declare:
 * - a SecretStore of the Kubernetes provider reads the namespace's Secrets as its ServiceAccount, so the Role bound
 *   to that account must grant `get` on the Secret (an ungranted read fails, as the API server would refuse it);
 * - a `Password` generator makes a password of its spec's length, digits and symbols, once (refreshInterval 0s);
 * - the template (engine v2) is Go's text/template with sprig, of which this knows `{{ .key }}`, `urlquery` (Go's
 *   url.QueryEscape) and sprig's `replace`; anything else in a template fails the test rather than being guessed.
 */
import { randomInt } from 'crypto';

export type SecretData = { [key: string]: string };

/** Go's url.QueryEscape: unreserved bytes as they are, space as '+', every other byte %XX (upper case). */
export function queryEscape(value: string): string {
  return [...Buffer.from(value, 'utf8')].map(b => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
    if (b === 0x20) return '+';
    return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** Evaluates one template value against `data`. */
export function renderTemplate(template: string, data: SecretData): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, body: string) => {
    const stages = body.trim().split('|').map(s => s.trim());
    const first = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(stages[0]);
    if (!first) throw new Error(`external-secrets template: ${JSON.stringify(body)} is not emulated`);
    if (!(first[1] in data)) throw new Error(`external-secrets template: no key ${first[1]} in the data`);
    let value = data[first[1]];
    for (const stage of stages.slice(1)) {
      const replace = /^replace "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/.exec(stage);
      if (stage === 'urlquery') value = queryEscape(value);
      else if (replace) value = value.split(JSON.parse(`"${replace[1]}"`)).join(JSON.parse(`"${replace[2]}"`));
      else throw new Error(`external-secrets template: function ${JSON.stringify(stage)} is not emulated`);
    }
    return value;
  });
}

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** external-secrets' default symbol characters. */
const SYMBOLS = '~!@#$%^&*()_+`-={}|[]\\:"<>?,./';

/** A password as the `Password` generator makes one: `digits` digits, `symbols` symbols, the rest letters. */
export function generatePassword(spec: any): string {
  const length: number = spec.length ?? 24;
  const digits: number = spec.digits ?? Math.floor(length / 4);
  const symbols: number = spec.symbols ?? Math.floor(length / 4);
  const letters = spec.noUpper ? LOWER : LOWER + UPPER;
  const pick = (set: string) => set[randomInt(set.length)];
  const chars = [
    ...Array.from({ length: digits }, () => pick(DIGITS)),
    ...Array.from({ length: symbols }, () => pick(spec.symbolCharacters ?? SYMBOLS)),
    ...Array.from({ length: length - digits - symbols }, () => pick(letters)),
  ];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** What the emulation reads: the applied objects and the Secrets there are. */
export interface ExternalSecretsWorld {
  readonly objects: (kind: string) => any[];
  readonly secret: (name: string) => SecretData | undefined;
}

/** True when the Role bound to `account` lets it `get` the Secret `name`. */
function mayGet(world: ExternalSecretsWorld, account: string, name: string): boolean {
  const bindings = world.objects('RoleBinding').filter(b => (b.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === account));
  return bindings.some(b => {
    const role = world.objects('Role').find(r => r.metadata.name === b.roleRef.name);
    return (role?.rules ?? []).some((r: any) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes('secrets')
      && (r.verbs ?? []).includes('get') && (r.resourceNames === undefined || r.resourceNames.includes(name)));
  });
}

/**
 * Syncs every ExternalSecret; returns the Secrets written (name -> data). `generated` keeps each generator's value
 * across syncs (refreshInterval 0s: generated once).
 */
export function syncExternalSecrets(world: ExternalSecretsWorld, generated: Map<string, SecretData>): Map<string, SecretData> {
  const written = new Map<string, SecretData>();
  for (const es of world.objects('ExternalSecret')) {
    const spec = es.spec;
    const values: SecretData = {};
    let complete = true;
    for (const d of spec.data ?? []) {
      const store = world.objects('SecretStore').find(s => s.metadata.name === spec.secretStoreRef?.name);
      const kubernetes = store?.spec.provider?.kubernetes;
      if (!kubernetes) {
        complete = false; // a store of another provider: not emulated, its Secret is not written
        continue;
      }
      const account = kubernetes.auth.serviceAccount.name;
      if (!mayGet(world, account, d.remoteRef.key)) {
        throw new Error(`ExternalSecret ${es.metadata.name}: ServiceAccount ${account} may not get Secret ${d.remoteRef.key} (no Role bound to it grants that)`);
      }
      const source = world.secret(d.remoteRef.key);
      const value = source?.[d.remoteRef.property];
      if (value === undefined) {
        complete = false; // the Secret (or its key) is not there yet: SecretSyncedError, retried
        continue;
      }
      values[d.secretKey] = value;
    }
    for (const from of spec.dataFrom ?? []) {
      const ref = from.sourceRef?.generatorRef;
      if (ref?.kind !== 'Password') throw new Error(`ExternalSecret ${es.metadata.name}: dataFrom ${JSON.stringify(from)} is not emulated`);
      const generator = world.objects('Password').find(p => p.metadata.name === ref.name);
      if (!generator) throw new Error(`ExternalSecret ${es.metadata.name}: no Password generator ${ref.name}`);
      const key = `${es.metadata.name}/${ref.name}`;
      if (!generated.has(key) || spec.refreshInterval !== '0s') generated.set(key, { password: generatePassword(generator.spec) });
      Object.assign(values, generated.get(key));
    }
    if (!complete) continue;
    const template = spec.target?.template;
    const data: SecretData = {};
    if (template?.data) {
      for (const [k, v] of Object.entries(template.data as SecretData)) data[k] = renderTemplate(v, values);
    } else {
      Object.assign(data, values);
    }
    written.set(spec.target?.name ?? es.metadata.name, data);
  }
  return written;
}
