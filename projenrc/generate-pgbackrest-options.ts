/**
 * Generates src/private/pgbackrest/option-table.ts from pgBackRest's own option definitions (src/build/config/config.yaml of
 * the pgBackRest source), resolving `inherit`, `+inherit`, `+role` and `-command` the way pgBackRest's build does
 * (src/build/config/parse.c), so the table says what that pgBackRest version accepts.
 *
 *   mkdir -p /tmp/pgbr && tar xJf pgbackrest-2.58.0.tar.xz -C /tmp/pgbr pgbackrest-2.58.0/src/build/config/config.yaml
 *   npx ts-node --project projenrc/tsconfig.json projenrc/generate-pgbackrest-options.ts \
 *     /tmp/pgbr/pgbackrest-2.58.0/src/build/config/config.yaml 2.58 > src/private/pgbackrest/option-table.ts
 */
import { readFileSync } from 'fs';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A YAML node as ordered pairs, keeping repeated keys (config.yaml repeats `-command:` and `+role:`). */
type Node = string | boolean | number | null | Node[] | Pair[];
type Pair = { key: string; value: Node };

function toNode(n: unknown): Node {
  if (isMap(n)) return n.items.map(item => ({ key: String((item.key as { value: unknown }).value), value: toNode(item.value) }));
  if (isSeq(n)) return n.items.map(toNode);
  if (isScalar(n)) return n.value as Node;
  return null;
}

function pairs(node: Node): Pair[] {
  return Array.isArray(node) && node.every(p => p !== null && typeof p === 'object' && 'key' in (p as object)) ? node as Pair[] : [];
}

function get(node: Node, key: string): Node | undefined {
  return pairs(node).find(p => p.key === key)?.value;
}

const COMMAND_LINE = 'command-line';

interface RawOption {
  name: string;
  type?: string;
  section?: string;
  group?: string;
  secure: boolean;
  internal: boolean;
  boolLike: boolean;
  negate?: boolean;
  commands?: string[];
  /** Roles the option is valid for, when it limits them (`command-role`); users run commands in the `main` role. */
  roles?: string[];
  /** Commands whose own `command-role` limits the option's roles there. */
  commandRoles?: Map<string, string[]>;
  deprecate?: Map<string, { indexed: boolean; unindexed: boolean }>;
}

function main(): void {
  const [file, version] = process.argv.slice(2);
  if (!file || !version) throw new Error('usage: generate-pgbackrest-options <config.yaml> <version>');
  const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: false });
  if (doc.errors.length) throw doc.errors[0];
  const root = toNode(doc.contents);

  // Commands and their roles: `main` for every command, plus the listed ones.
  const commands = pairs(get(root, 'command') ?? []).map(c => ({
    name: c.key,
    roles: ['main', ...pairs(get(c.value, 'command-role') ?? []).map(r => r.key)],
  }));
  const defaultCommands = commands.map(c => c.name).filter(c => c !== 'help' && c !== 'version');

  const raw = new Map<string, RawOption>();
  const commandList = (value: Node, roles: Map<string, string[]>): string[] => {
    if (typeof value === 'string') {
      for (const [c, r] of raw.get(value)?.commandRoles ?? []) roles.set(c, r);
      return [...(raw.get(value)?.commands ?? [])];
    }
    const out: string[] = [];
    for (const p of pairs(value)) {
      if (p.key === '+inherit') {
        for (const c of raw.get(String(p.value))?.commands ?? []) if (!out.includes(c)) out.push(c);
      } else if (p.key === '+role') {
        for (const c of commands) {
          if (c.name === 'help' || c.name === 'version') continue;
          if ((p.value === 'any' || c.roles.includes(String(p.value))) && !out.includes(c.name)) out.push(c.name);
        }
      } else if (p.key === '-command') {
        const i = out.indexOf(String(p.value));
        if (i >= 0) out.splice(i, 1);
      } else {
        if (!out.includes(p.key)) out.push(p.key);
        const r = get(p.value, 'command-role');
        if (r !== undefined) roles.set(p.key, pairs(r).map(x => x.key));
      }
    }
    return out;
  };

  for (const o of pairs(get(root, 'option') ?? [])) {
    let opt: RawOption = { name: o.key, secure: false, internal: false, boolLike: false };
    let inherited = false;
    // Keys are applied in order, as pgBackRest's build does: `inherit` copies everything defined before it.
    for (const d of pairs(o.value)) {
      switch (d.key) {
        case 'inherit': {
          const from = raw.get(String(d.value));
          if (!from) throw new Error(`${o.key} inherits unknown ${String(d.value)}`);
          // Deprecations are not inherited.
          opt = {
            ...from,
            name: o.key,
            commands: from.commands ? [...from.commands] : undefined,
            commandRoles: from.commandRoles ? new Map(from.commandRoles) : undefined,
            deprecate: undefined,
          };
          inherited = true;
          break;
        }
        case 'command': opt.commandRoles = new Map(); opt.commands = commandList(d.value, opt.commandRoles); break;
        case 'command-role': opt.roles = pairs(d.value).map(x => x.key); break;
        case 'deprecate': {
          opt.deprecate = new Map();
          for (const dep of pairs(d.value)) {
            const indexed = dep.key.includes('?');
            const name = dep.key.replace('?', '');
            const e = opt.deprecate.get(name) ?? { indexed: false, unindexed: false };
            if (indexed) e.indexed = true; else e.unindexed = true;
            opt.deprecate.set(name, e);
          }
          break;
        }
        case 'type': opt.type = String(d.value); break;
        case 'section': opt.section = String(d.value); break;
        case 'group': opt.group = String(d.value); break;
        case 'secure': opt.secure = d.value === true; break;
        case 'internal': opt.internal = d.value === true; break;
        case 'bool-like': opt.boolLike = d.value === true; break;
        case 'negate': opt.negate = d.value === true; break;
        default: break;
      }
    }
    if (!inherited) {
      opt.section = opt.section ?? COMMAND_LINE;
      if (opt.negate === undefined) opt.negate = (opt.type === 'boolean' || opt.boolLike) && opt.section !== COMMAND_LINE;
      if (opt.commands === undefined) opt.commands = [...defaultCommands];
    }
    raw.set(o.key, opt);
  }

  const names = commands.map(c => c.name);
  const lines: string[] = [];
  lines.push(
    '/**',
    ` * pgBackRest ${version}'s options, generated from its src/build/config/config.yaml by`,
    ' * projenrc/generate-pgbackrest-options.ts (the header of that script says how to run it). Do not edit by hand.',
    ' *',
    ' * OPTIONS: canonical name (group options without their index: `repo-path` for repo1-path) ->',
    ' *   [section, flags, commands]: section `c` command line only, `g` global, `s` stanza; flags `r` repo group (takes',
    ' *   an index), `p` pg group (takes an index), `s` secure (refused on the command line; a secret or an identity),',
    ' *   `i` internal (undocumented), `n` negatable (`--no-...`), `b` boolean; commands: a bit mask over COMMANDS, those',
    ' *   that take the option when a user runs them.',
    ' * DEPRECATED: an alternate name pgBackRest still reads -> [canonical name, `i` if it takes an index, `u` if it',
    ' *   may go without one].',
    ' * @internal',
    ' */',
    '/* eslint-disable */',
    `export const PGBACKREST_OPTION_TABLE_VERSION = '${version}';`,
    '',
    `export const COMMANDS: readonly string[] = [${names.map(n => `'${n}'`).join(', ')}];`,
    '',
    'export const OPTIONS: { readonly [name: string]: readonly [string, string, number] } = {',
  );
  const deprecated: string[] = [];
  for (const o of [...raw.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const section = o.section === 'global' ? 'g' : o.section === 'stanza' ? 's' : 'c';
    const flags = [
      o.group === 'repo' ? 'r' : '', o.group === 'pg' ? 'p' : '', o.secure ? 's' : '', o.internal ? 'i' : '',
      o.negate ? 'n' : '', o.type === 'boolean' ? 'b' : '',
    ].join('');
    let mask = 0;
    for (const c of o.commands ?? []) {
      // Only the commands a user runs: the option must be valid in their `main` role.
      const roles = o.commandRoles?.get(c) ?? o.roles;
      if (roles !== undefined && !roles.includes('main')) continue;
      const i = names.indexOf(c);
      if (i < 0) throw new Error(`${o.name}: unknown command ${c}`);
      // Each command once, so adding its bit is setting it.
      mask += 2 ** i;
    }
    lines.push(`  '${o.name}': ['${section}', '${flags}', 0x${mask.toString(16)}],`);
    for (const [name, d] of o.deprecate ?? []) {
      // A deprecation equal to the canonical name is how pgBackRest accepts the name without an index (repo1's).
      deprecated.push(`  '${name}': ['${o.name}', '${d.indexed ? 'i' : ''}${d.unindexed ? 'u' : ''}'],`);
    }
  }
  lines.push('};', '', 'export const DEPRECATED: { readonly [name: string]: readonly [string, string] } = {', ...deprecated.sort(), '};', '');
  process.stdout.write(lines.join('\n'));
}

main();
