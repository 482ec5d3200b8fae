/**
 * Timestamps with a zone, as pgBackRest (`--target`, `--repo-target-time`) and PostgreSQL both read them. One
 * grammar for every option that takes one: a time without a zone would be read in the server's zone, so it is
 * refused.
 */
import { Problems } from './validation';

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?\s*(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Adds the problem with `value` at `field`, if any; true when it is a valid timestamp. */
export function checkTimestamp(problems: Problems, field: string, value: unknown): boolean {
  const m = typeof value === 'string' ? TIME.exec(value) : null;
  if (!m) {
    problems.add(field, value, 'must be "YYYY-MM-DD HH:MM:SS[.ffffff]" followed by a zone offset or Z, e.g. "2026-11-26 14:15:11+01"; a time without a zone is read in the server\'s zone and is refused');
    return false;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const offset = m[8] === 'Z' ? 0 : Number(m[8].slice(1, 3));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day
    || hour > 23 || minute > 59 || second > 59 || offset > 15) {
    problems.add(field, value, 'is not a real date and time');
    return false;
  }
  return true;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]`, which both read; a value that is not a timestamp is returned as is. */
export function normaliseTimestamp(value: string): string {
  const m = TIME.exec(value);
  if (!m) return value;
  const zone = m[8] === 'Z' ? '+00' : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${zone}`;
}
