import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The error thrown at synth time for input that would produce an invalid or unsafe manifest. */
export interface ValidationErrorDetails {
  /** The construct path of the construct whose input was refused. */
  readonly constructPath: string;
  /** One line per problem: `field: value: what is allowed`. */
  readonly problems: string[];
}

/**
 * The error refused input throws. Its message is all a user needs, so the rest of what Node.js prints for an uncaught
 * error is left out: no stack trace (the library's frames say nothing about the input) and no extra properties
 * (`constructPath` and `problems` are there, but not enumerable, so they are not printed a second time).
 */
class ValidationError extends Error {
  constructor(message: string) {
    // Without frames there is no code frame either: Node.js and source-map-support draw it from the first frame.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    Object.defineProperty(this, 'name', { value: 'ValidationError', enumerable: false, writable: true, configurable: true });
    Object.defineProperty(this, 'stack', { value: `ValidationError: ${message}`, enumerable: false, writable: true, configurable: true });
  }
}

/**
 * Makes the error thrown for refused input: `name` is `ValidationError`, the message names the construct path,
 * each offending field, the value given and what is allowed. (jsii cannot export subclasses of Error, so the
 * details are attached to the error as non-enumerable properties.)
 */
export function validationError(constructPath: string, problems: string[]): Error & ValidationErrorDetails {
  const error = new ValidationError(`Invalid configuration at '${constructPath}':\n${problems.map(p => `  - ${p}`).join('\n')}`);
  Object.defineProperty(error, 'constructPath', { value: constructPath, enumerable: false });
  Object.defineProperty(error, 'problems', { value: [...problems], enumerable: false });
  return error as Error & ValidationErrorDetails;
}

/**
 * Throws a ValidationError. Every refusal is thrown here, on a line that tells Node.js not to print it as a code
 * frame above an uncaught error (its `node-do-not-add-exception-line` marker): the message is the whole output.
 */
export function throwValidationError(constructPath: string, problems: string[]): never {
  throw validationError(constructPath, problems); // node-do-not-add-exception-line
}

function safely(f: () => string): string {
  try {
    return f();
  } catch {
    return '?';
  }
}

/** Renders a bad value for an error message: strings quoted, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return `a ${typeof value}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  // cdk8s values, shown as their factories would be written rather than as their internals.
  if (value instanceof Duration) return `Duration of ${safely(() => value.toHumanString())}`;
  if (value instanceof Size) return `Size of ${safely(() => `${(value as unknown as { amount: number }).amount} ${(value as unknown as { unit: { label: string } }).unit.label}`)}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Collects problems found in one construct's input so the user sees all of them at once.
 *
 * A field whose value has the wrong type (or shape) is reported once: later checks of that field, or of anything
 * inside it, would only repeat the refusal in other words.
 * @internal
 */
export class Problems {
  private readonly lines: { field: string; text: string }[] = [];
  private readonly refused = new Set<string>();

  /** Records that `field` has the bad `value`; `allowed` says what would be accepted. */
  public add(field: string, value: unknown, allowed: string): void {
    if (this.isRefused(field)) return;
    this.lines.push({ field, text: `${showValue(value)}: ${allowed}` });
  }

  /** Records a problem that is about a combination of fields rather than one value. */
  public addRaw(field: string, message: string): void {
    if (this.isRefused(field)) return;
    this.lines.push({ field, text: message });
  }

  /**
   * Records that `field` holds a value of the wrong type: this problem is reported, and nothing else about the
   * field or its parts.
   */
  public refuse(field: string, value: unknown, allowed: string): void {
    this.add(field, value, allowed);
    this.refused.add(field);
  }

  /** Marks `field` refused without a line of its own (its parts were reported). */
  public silence(field: string): void {
    this.refused.add(field);
  }

  /** True when `field`, or a field it is part of, was refused for its type. */
  public isRefused(field: string): boolean {
    for (const r of this.refused) {
      if (field === r || (r === '' ? true : field.startsWith(`${r}.`) || field.startsWith(`${r}[`))) return true;
    }
    return false;
  }

  public merge(other: Problems): void {
    this.mergeAt('', other);
  }

  /**
   * Adds `other`'s problems with their fields made relative to `prefix`: a factory records `size` and the cluster
   * reports `repos[0].size`.
   */
  public mergeAt(prefix: string, other: Problems): void {
    const at = (field: string) => (prefix === '' ? field : field === '' ? prefix : /^[[]/.test(field) ? `${prefix}${field}` : `${prefix}.${field}`);
    for (const line of other.lines) {
      if (!this.isRefused(at(line.field))) this.lines.push({ field: at(line.field), text: line.text });
    }
    for (const r of other.refused) this.refused.add(at(r));
  }

  public get isEmpty(): boolean {
    return this.lines.length === 0;
  }

  public get messages(): string[] {
    return this.lines.map(l => `${l.field}: ${l.text}`);
  }

  /** Throws a ValidationError for `scope` when any problem was recorded. */
  public throwIfAny(scope: IConstruct): void {
    if (!this.isEmpty) throwValidationError(scope.node.path, this.messages);
  }
}

/** Edit distance, bounded: the strings compared are names, so only their first 64 characters count. */
export function editDistance(a: string, b: string): number {
  const x = a.slice(0, 64);
  const y = b.slice(0, 64);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length];
}

/** A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a Kubernetes object name (DNS-1123 label) and records a problem when it is not one. */
export function checkDnsLabel(problems: Problems, field: string, value: string, maxLength = 63): boolean {
  if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > maxLength) {
    problems.add(field, value, `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${maxLength} characters`);
    return false;
  }
  return true;
}

/** A DNS-1123 subdomain, as Kubernetes requires for Secret and ConfigMap names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkDnsSubdomain(problems: Problems, field: string, value: string): boolean {
  if (typeof value !== 'string' || !DNS_SUBDOMAIN.test(value) || value.length > 253) {
    problems.add(field, value, 'must be a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\', at most 253 characters');
    return false;
  }
  return true;
}

/** Checks that `value` is an integer in [min, max]. */
export function checkInteger(problems: Problems, field: string, value: number, min: number, max: number): boolean {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(field, value, `must be a whole number from ${min} to ${max}`);
    return false;
  }
  return true;
}

/** Label keys and values: Kubernetes qualified names and label values. */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkLabels(problems: Problems, field: string, labels: { [key: string]: string } | undefined, valuesAreLabels: boolean): void {
  if (labels === undefined) return;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    problems.add(field, labels, 'must be a map of string keys to string values');
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (!LABEL_PREFIX.test(prefix) || prefix.length > 253)) || !LABEL_NAME.test(name) || name.length > 63) {
      problems.add(`${field}[${JSON.stringify(key)}]`, key, 'the key must be a qualified name: an optional DNS subdomain prefix and \'/\', then at most 63 letters, digits, \'-\', \'_\' or \'.\'');
    }
    if (typeof value !== 'string') {
      problems.add(`${field}[${JSON.stringify(key)}]`, value, 'the value must be a string');
    } else if (valuesAreLabels && value !== '' && (!LABEL_NAME.test(value) || value.length > 63)) {
      problems.add(`${field}[${JSON.stringify(key)}]`, value, 'a label value must be empty or at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit');
    }
  }
}

/**
 * A feature of pgBackRest 2.`minor` or later: refused, naming the version, on an older one. (The version is passed
 * by its shape, so that this file imports nothing of the public API.)
 */
export function checkSince(problems: Problems, field: string, value: unknown, option: string,
  version: { atLeast(major: number, minor: number): boolean }, minor: number): boolean {
  if (version.atLeast(2, minor)) return true;
  problems.add(field, value, `needs pgBackRest 2.${minor} or later (${option} came in 2.${minor}); pgbackrestVersion is ${version}`);
  return false;
}
