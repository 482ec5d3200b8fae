/**
 * Kubernetes CronJob schedules, parsed and expanded exactly as the CronJob controller does (robfig/cron v3,
 * `ParseStandard`): five fields or a macro, day-of-month and day-of-week OR-ed unless either is unrestricted,
 * and wall-clock matching in the CronJob's time zone, so a time skipped by a DST change does not run and a
 * repeated time runs twice.
 *
 * The JavaScript cron libraries accept syntax Kubernetes refuses (`7` for Sunday, `L`, `#`, six fields) and
 * differ from robfig/cron on the star rule and on DST, so the parser is written here against robfig's rules.
 */

const MACROS: { [macro: string]: string } = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldBounds {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: { [name: string]: number };
}

const FIELDS: FieldBounds[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
  },
  { name: 'day-of-week', min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
];

/** What Kubernetes accepts, for error messages. */
export const CRON_ALLOWED = 'a Kubernetes CronJob schedule: 5 fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-6 or SUN-SAT) with * , - / ?, or one of '
  + `${Object.keys(MACROS).join(', ')}`;

/** A parsed schedule: the set of allowed values per field. */
export interface ParsedCron {
  readonly expression: string;
  readonly minutes: boolean[];
  readonly hours: boolean[];
  readonly daysOfMonth: boolean[];
  readonly months: boolean[];
  readonly daysOfWeek: boolean[];
  /** robfig's star bit: when either day field is unrestricted, both must match; otherwise either may. */
  readonly dayStar: boolean;
}

/** Thrown by {@link parseCron} with the reason an expression is not a Kubernetes schedule. */
export class CronSyntaxError extends Error {}

function parseValue(token: string, field: FieldBounds): number {
  const lower = token.toLowerCase();
  if (field.names && lower in field.names) return field.names[lower];
  if (!/^\d+$/.test(token)) {
    throw new CronSyntaxError(`"${token}" is not a number${field.names ? ' or a name' : ''} in the ${field.name} field`);
  }
  return Number(token);
}

/** Expands one comma-separated part (`*`, `a`, `a-b`, `*\/n`, `a-b/n`, `a/n`) the way robfig's getRange does. */
function expandRange(part: string, field: FieldBounds, values: boolean[]): boolean {
  const [rangePart, stepPart, ...extra] = part.split('/');
  if (extra.length > 0) throw new CronSyntaxError(`"${part}" has more than one '/' in the ${field.name} field`);
  let start: number;
  let end: number;
  let star = false;
  if (rangePart === '*' || rangePart === '?') {
    start = field.min;
    end = field.max;
    star = true;
  } else {
    const bounds = rangePart.split('-');
    if (bounds.length > 2) throw new CronSyntaxError(`"${part}" is not a range in the ${field.name} field`);
    start = parseValue(bounds[0], field);
    end = bounds.length === 2 ? parseValue(bounds[1], field) : start;
  }
  let step = 1;
  if (stepPart !== undefined) {
    if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) {
      throw new CronSyntaxError(`"${part}" has a step that is not a positive whole number in the ${field.name} field`);
    }
    step = Number(stepPart);
    // robfig: "N/step" means N through the end of the field.
    if (!star && !rangePart.includes('-')) end = field.max;
    if (step > 1) star = false;
  }
  if (start < field.min || end > field.max) {
    throw new CronSyntaxError(`"${part}" is outside ${field.min}-${field.max} in the ${field.name} field`);
  }
  if (start > end) throw new CronSyntaxError(`"${part}" starts after it ends in the ${field.name} field`);
  for (let v = start; v <= end; v += step) values[v] = true;
  return star;
}

/** Parses a Kubernetes CronJob schedule; throws {@link CronSyntaxError} with the reason when it is not one. */
export function parseCron(expression: string): ParsedCron {
  if (typeof expression !== 'string') throw new CronSyntaxError('the schedule must be a string');
  const trimmed = expression.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    throw new CronSyntaxError('a TZ= prefix is not allowed; give the time zone separately');
  }
  if (trimmed.startsWith('@')) {
    // robfig/cron matches macros case-sensitively: Kubernetes refuses `@DAILY`.
    const macro = Object.prototype.hasOwnProperty.call(MACROS, trimmed) ? MACROS[trimmed] : undefined;
    if (!macro) {
      if (Object.prototype.hasOwnProperty.call(MACROS, trimmed.toLowerCase())) {
        throw new CronSyntaxError(`"${trimmed}" is not a macro Kubernetes knows: macros are lowercase (${trimmed.toLowerCase()})`);
      }
      throw new CronSyntaxError(trimmed.toLowerCase().startsWith('@every')
        ? '@every intervals drift from the wall clock and cannot be analysed; use 5 fields'
        : `"${trimmed}" is not a known macro`);
    }
    return { ...parseCron(macro), expression };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    throw new CronSyntaxError(`it has ${fields.length} field${fields.length === 1 ? '' : 's'}; Kubernetes takes exactly 5 (no seconds, no year)`);
  }
  const sets: boolean[][] = [];
  const stars: boolean[] = [];
  fields.forEach((text, i) => {
    const field = FIELDS[i];
    if (/[LW#H]/i.test(text.replace(/[a-z]{3}/gi, m => (field.names && m.toLowerCase() in field.names ? '' : m)))) {
      throw new CronSyntaxError(`"${text}" uses L, W, # or H in the ${field.name} field; Kubernetes does not support them`);
    }
    if (text.includes('?') && field.name !== 'day-of-month' && field.name !== 'day-of-week') {
      throw new CronSyntaxError(`'?' is only allowed in the day fields, not in the ${field.name} field`);
    }
    const values = new Array<boolean>(field.max + 1).fill(false);
    let star = false;
    for (const part of text.split(',')) {
      if (part === '') throw new CronSyntaxError(`"${text}" has an empty list item in the ${field.name} field`);
      star = expandRange(part, field, values) || star;
    }
    sets.push(values);
    stars.push(star);
  });
  return {
    expression,
    minutes: sets[0],
    hours: sets[1],
    daysOfMonth: sets[2],
    months: sets[3],
    daysOfWeek: sets[4],
    dayStar: stars[2] || stars[4],
  };
}

/** Returns why `expression` is not a Kubernetes schedule, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  try {
    const parsed = parseCron(expression);
    if (!canEverRun(parsed)) return 'it names a day that never occurs (for example 31 February)';
    return undefined;
  } catch (e) {
    if (e instanceof CronSyntaxError) return e.message;
    throw e;
  }
}

/**
 * The most runs a day a backup schedule may start: one every 15 minutes. Counted from the fields, before anything
 * is expanded, so the analysis that follows stays bounded (a schedule that runs every minute would be expanded into
 * hundreds of thousands of runs); a backup Job takes longer than a few minutes to start anyway, and WAL archiving
 * gives point-in-time recovery between backups.
 */
export const MAX_RUNS_PER_DAY = 96;

/** How many times a day `c` starts, on the days it runs. */
export function runsPerDay(c: ParsedCron): number {
  return c.minutes.filter(Boolean).length * c.hours.filter(Boolean).length;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function canEverRun(c: ParsedCron): boolean {
  // Over the years every date falls on every weekday, so only the month and day-of-month sets can conflict.
  const anyWeekday = c.daysOfWeek.some(Boolean);
  for (let month = 1; month <= 12; month++) {
    if (!c.months[month]) continue;
    let anyDay = false;
    for (let day = 1; day <= DAYS_IN_MONTH[month - 1]; day++) anyDay = anyDay || c.daysOfMonth[day];
    if (c.dayStar ? anyDay && anyWeekday : anyDay || anyWeekday) return true;
  }
  return false;
}

/** Wall-clock fields of an instant in a time zone. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * True when `timeZone` is an IANA zone this runtime knows, spelled as the tz database spells it. JavaScript reads
 * zone names case-insensitively; Kubernetes loads them from the tz database's files, case-sensitively, so
 * `europe/berlin` is refused (and `Local`, which Kubernetes refuses, is not a zone JavaScript knows).
 */
export function isKnownTimeZone(timeZone: string): boolean {
  return timeZoneProblem(timeZone) === undefined;
}

/** Why `timeZone` is not a zone Kubernetes takes, or undefined when it is one. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (typeof timeZone !== 'string' || timeZone.length > 64) return 'must be an IANA time zone such as "UTC" or "Europe/Berlin"';
  let resolved: string;
  try {
    resolved = formatterFor(timeZone).resolvedOptions().timeZone;
  } catch {
    return 'must be an IANA time zone such as "UTC" or "Europe/Berlin"';
  }
  const canonical = canonicalCase(timeZone, resolved);
  if (canonical !== timeZone) {
    return `is not spelled as the tz database spells it${canonical ? ` (${canonical})` : ''}: Kubernetes reads zone names case-sensitively`;
  }
  return undefined;
}

/** The tz database's spelling of `written`: itself when JavaScript resolves it to itself or knows it in that case. */
function canonicalCase(written: string, resolved: string): string | undefined {
  if (resolved === written) return written;
  const zones: string[] = typeof (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf === 'function'
    ? (Intl as unknown as { supportedValuesOf: (key: string) => string[] }).supportedValuesOf('timeZone') : [];
  const exact = zones.find(z => z === written);
  if (exact) return exact;
  const folded = zones.find(z => z.toLowerCase() === written.toLowerCase());
  if (folded) return folded;
  if (resolved.toLowerCase() === written.toLowerCase()) return resolved;
  // An alias (US/Eastern, Etc/GMT+1, UTC): its segments are capitalised in the tz database.
  return written.split('/').every(segment => /^[A-Z]/.test(segment)) ? written : undefined;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const offsets = new Map<string, number>();

/** The UTC offset of `timeZone` at `epochMs`, in minutes; looked up once per zone and quarter hour. */
export function utcOffsetMinutes(timeZone: string, epochMs: number): number {
  const quarter = Math.floor(epochMs / 900_000);
  const key = `${timeZone}@${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const at = quarter * 900_000;
    const parts: { [type: string]: number } = {};
    for (const p of formatterFor(timeZone).formatToParts(new Date(at))) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
    offset = Math.round((asUtc - at) / 60_000);
    if (offsets.size > 200_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** Wall-clock time of `epochMs` (a whole minute) given the zone's offset then; plain arithmetic, no Date. */
export function wallClock(epochMs: number, offsetMinutes: number): WallClock {
  const minutes = Math.floor(epochMs / 60_000) + offsetMinutes;
  const days = Math.floor(minutes / 1440);
  const minuteOfDay = minutes - days * 1440;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day,
    hour: Math.floor(minuteOfDay / 60),
    minute: minuteOfDay % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
  };
}

export function matches(c: ParsedCron, t: WallClock): boolean {
  return c.minutes[t.minute] && c.hours[t.hour] && c.months[t.month] && dayMatch(c, t.day, t.weekday);
}

/**
 * Every instant in [fromMs, toMs) at which the CronJob controller starts `expression` in `timeZone`.
 *
 * Real time is walked and matched on the wall clock, which is what robfig/cron's `Next` amounts to: a wall time
 * skipped by a DST change never matches, a repeated one matches twice. Offsets change only at wall-clock hour
 * boundaries, so the wall clock is computed once per hour, and hours and days without runs are jumped over
 * (a jump is checked to keep the offset; otherwise the walk goes hour by hour).
 */
export function runsBetween(expression: string | ParsedCron, fromMs: number, toMs: number, timeZone = 'UTC'): number[] {
  const c = typeof expression === 'string' ? parseCron(expression) : expression;
  const minutes = c.minutes.flatMap((on, m) => (on ? [m] : []));
  const runs: number[] = [];
  const utc = timeZone === 'UTC';
  let t = Math.ceil(fromMs / 60_000) * 60_000;
  while (t < toMs) {
    const offset = utc ? 0 : utcOffsetMinutes(timeZone, t);
    const wall = wallClock(t, offset);
    const hourStart = t - wall.minute * 60_000;
    const nextHour = hourStart + 3_600_000;
    const dayRuns = c.months[wall.month] && dayMatch(c, wall.day, wall.weekday);
    if (dayRuns && c.hours[wall.hour]) {
      for (const m of minutes) {
        const at = hourStart + m * 60_000;
        if (at >= t && at < toMs) runs.push(at);
      }
      t = nextHour;
      continue;
    }
    // Jump to the next hour that could run today, or to tomorrow, when the offset is the same there.
    let next = nextHour;
    if (dayRuns) {
      let h = wall.hour + 1;
      while (h < 24 && !c.hours[h]) h++;
      next = hourStart + (h - wall.hour) * 3_600_000;
    } else {
      next = hourStart + (24 - wall.hour) * 3_600_000;
    }
    if (next > nextHour && !utc && utcOffsetMinutes(timeZone, next) !== offset) next = nextHour;
    t = next;
  }
  return runs;
}

function dayMatch(c: ParsedCron, day: number, weekday: number): boolean {
  const dom = c.daysOfMonth[day];
  const dow = c.daysOfWeek[weekday];
  return c.dayStar ? dom && dow : dom || dow;
}
