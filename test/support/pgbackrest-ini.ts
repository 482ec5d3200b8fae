/**
 * Reads a conf file as pgBackRest 2.58 does (src/common/ini.c, src/config/parse.c), to assert what it will see rather
 * than how the text looks: `#` comments, `[section]` headers, `key=value` split at the first `=` with both sides
 * trimmed, a key repeated in one section read as a list, and a hash option's values split into key and value at
 * their first `=`.
 */
export function readPgBackRestIni(text: string): { [section: string]: { [key: string]: string[] } } {
  const out: { [section: string]: { [key: string]: string[] } } = {};
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      section = line.slice(1, line.indexOf(']'));
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq < 0) throw new Error(`pgBackRest would refuse the line ${JSON.stringify(raw)}`);
    const key = line.slice(0, eq).trim();
    (out[section][key] ??= []).push(line.slice(eq + 1).trim());
  }
  return out;
}

/** A hash option's values as pgBackRest reads them into a KeyValue: the key up to the first `=`, the rest the value. */
export function hashOf(values: readonly string[]): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Error(`pgBackRest refuses ${JSON.stringify(pair)}: key/value not valid`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
