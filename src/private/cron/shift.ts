import { parseCron } from './cron';

/**
 * Moves a schedule `minutes` later, keeping its pattern: the minute field must be one value and the hour field
 * values, a range or `*`; a run may only cross midnight when the day fields are `*`. Undefined when it cannot.
 */
export function shiftCron(cron: string, minutes: number): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || !/^\d+$/.test(fields[0])) return undefined;
  const [m, hourField, dom, month, dow] = fields;
  const c = parseCron(cron);
  const total = Number(m) + minutes;
  const newMinute = total % 60;
  const carry = Math.floor(total / 60);
  if (hourField === '*' || hourField === '?') return carry % 24 === 0 || (dom === '*' && dow === '*') ? `${newMinute} * ${dom} ${month} ${dow}` : undefined;
  const hours = c.hours.flatMap((v, h) => (v ? [h + carry] : []));
  if (hours.some(h => h > 23) && !(dom === '*' && dow === '*')) return undefined;
  const wrapped = [...new Set(hours.map(h => h % 24))].sort((x, y) => x - y);
  return `${newMinute} ${compact(wrapped)} ${dom} ${month} ${dow}`;
}

function compact(values: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}
