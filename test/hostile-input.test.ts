/**
 * Property tests for hostile and careless input to the consumers that read it (issue 11): pgBackRest's option
 * parser (credentials in any spelling it accepts), IVYO's shell (restore options re-parsed as bash would) and
 * pgBackRest's conf files (parsed back line by line). Each case is refused with a ValidationError naming the field,
 * or reaches its consumer unchanged and unable to add anything.
 *
 * FC_NUM_RUNS sets the number of cases per property (300 by default).
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  BackupRepo, DeploymentTarget, IvoryCluster, IvoryClusterProps, RecoveryTarget, RepoCredentials, Restore, TlsCertificates,
} from '../src';
import { credentialLeaks } from './support/security';
import { DEPRECATED, OPTIONS } from '../src/private/pgbackrest/option-table';
import { CREDENTIAL_OPTIONS, credentialOption, resolveOptionName } from '../src/private/pgbackrest/options';

const RUNS = Number(process.env.FC_NUM_RUNS ?? 300);
const SECRET = 'hostile-secret-value-91c2';

/** Synthesizes or returns the ValidationError; anything else fails the test. */
function attempt(props: Partial<IvoryClusterProps>): { manifests: any[] } | { message: string } {
  const chart = Testing.chart();
  try {
    new IvoryCluster(chart, 'hippo', { repos: [BackupRepo.volume({ size: Size.gibibytes(1) })], externalSecretStore: { name: 'vault' }, ...props } as IvoryClusterProps);
    // Checks of the whole cluster run at synth.
    return { manifests: Testing.synth(chart) };
  } catch (e) {
    if ((e as Error).name !== 'ValidationError') throw e;
    return { message: (e as Error).message };
  }
}

/** The field of each problem of a ValidationError message: the text before the first ': ' of each line. */
function problemFields(message: string): string[] {
  return message.split('\n').filter(l => l.startsWith('  - ')).map(l => l.slice(4, l.indexOf(': ')));
}

describe('credentials in any spelling pgBackRest accepts', () => {
  /** A spelling of a credential option: indexes (padded), abbreviations, case, '_', leading dashes, PGBACKREST_. */
  const spelling = fc.record({
    option: fc.constantFrom(...CREDENTIAL_OPTIONS),
    index: fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }),
    pad: fc.boolean(),
    cut: fc.integer({ min: 0, max: 6 }),
    upper: fc.boolean(),
    underscores: fc.boolean(),
    dashes: fc.boolean(),
    env: fc.boolean(),
  }).map(s => {
    const group = /^(repo|pg)-/.exec(s.option)?.[1];
    let name = group && s.index !== undefined ? `${group}${s.pad ? '0' : ''}${s.index}${s.option.slice(group.length)}` : s.option;
    // Abbreviated as far as pgBackRest still expands it to the same option on the command line.
    for (let c = 0; c < s.cut && resolveOptionName(name.slice(0, -1), true)?.option === s.option; c++) name = name.slice(0, -1);
    if (s.upper) name = name.toUpperCase();
    if (s.underscores) name = name.replace(/-/g, '_');
    if (s.env) name = `PGBACKREST_${name}`;
    if (s.dashes) name = `--${name}`;
    return name;
  });

  test(`are recognised and refused without their value, in options and arguments (${RUNS} cases)`, () => {
    fc.assert(fc.property(spelling, name => {
      expect(credentialOption(name)).toBeDefined();
      const global = attempt({ pgbackrestOptions: { [name]: SECRET } });
      expect(global).toHaveProperty('message');
      expect((global as { message: string }).message).toContain('is a credential; give it through a CredentialSource');
      expect((global as { message: string }).message).not.toContain(SECRET);
      const arg = attempt({ inPlaceRestore: Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, options: [`--${name.replace(/^--/, '')}=${SECRET}`] }) });
      expect(arg).toHaveProperty('message');
      expect((arg as { message: string }).message).not.toContain(SECRET);
    }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 11) });
  });

  test('the deprecated names of credentials are credentials', () => {
    for (const [name, [option]] of Object.entries(DEPRECATED)) {
      if (CREDENTIAL_OPTIONS.includes(option)) expect(credentialOption(name)).toBeDefined();
    }
  });

  test('the manifest checks every test runs see a credential option given a value, in any spelling', () => {
    const leaks = credentialLeaks([
      { kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.conf': '[global]\nrepo-s3-key = abc\nrepo1-gcs-key = /etc/pgbackrest/conf.d/repo1-gcs-key.json\n' } },
      { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ args: ['--repo1-s3-key-sec=abc'], env: [{ name: 'PGBACKREST_REPO2_CIPHER_PASS', value: 'abc' }] }] } },
    ]);
    expect(leaks).toEqual([
      'ConfigMap/c .data.a.conf: gives the credential option repo-s3-key a value',
      'Pod/p .spec.containers[0].args[0]: gives the credential option repo1-s3-key-sec a value',
      'Pod/p .spec.containers[0].env[0]: the environment variable PGBACKREST_REPO2_CIPHER_PASS holds a credential value',
    ]);
  });

  test('no other option is taken for a credential', () => {
    for (const option of Object.keys(OPTIONS).filter(o => !CREDENTIAL_OPTIONS.includes(o))) {
      expect(credentialOption(option.replace(/^(repo|pg)-/, '$11-'))).toBeUndefined();
    }
  });
});

/** Characters bash treats specially, and literal ones. */
const HOSTILE = [';', '$', '`', '&', '|', '<', '>', '(', ')', '{', '}', '[', ']', '*', '?', '!', '~', '#', '\'', '"', '\\', '\n', '\t', ' ', '\r', '\0'];
const LITERAL = ['a', 'b', 'Z', '0', '9', '-', '_', '=', '.', ',', ':', '/', '+', '@', '%'];
/** Strings of both kinds of character; a third of them literal only, so both outcomes are exercised. */
const shellText = fc.oneof(
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...HOSTILE, ...LITERAL), { minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...LITERAL), { minLength: 1, maxLength: 12 }) },
).map(cs => cs.join(''));

/**
 * Splits a command line as bash would, for the only forms that may reach it: literal words and double-quoted
 * literal text. Anything bash would expand, redirect, glob or separate fails the test.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /([A-Za-z0-9_\-=.,:/+@%]|"[A-Za-z0-9_\-=.,:/+@% ]*")+|( +)/gy;
  let word = '';
  let at = 0;
  for (let m = re.exec(line); m !== null && m.index === at; m = re.exec(line)) {
    at = re.lastIndex;
    if (m[2] !== undefined) {
      words.push(word);
      word = '';
    } else {
      word += m[0].replace(/"/g, '');
    }
  }
  if (at !== line.length) throw new Error(`bash would interpret ${JSON.stringify(line.slice(at))} in ${JSON.stringify(line)}`);
  words.push(word);
  return words;
}

describe('IVYO\'s shell', () => {
  test(`restore options and restore points reach it as the words given, or are refused (${RUNS} cases)`, () => {
    const outcome = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(shellText, fc.boolean(), (text, asOption) => {
      const restore = Restore.inPlace({
        restoreId: 'r1',
        repoName: 'repo1',
        confirmOverwrite: true,
        ...(asOption ? { options: [`--db-include=${text}`] } : { target: RecoveryTarget.restorePoint(text) }),
      });
      const result = attempt({ inPlaceRestore: restore });
      if ('message' in result) {
        expect(problemFields(result.message)).toEqual([asOption ? 'inPlaceRestore.options[0]' : 'inPlaceRestore.target.restorePoint']);
        outcome.refused++;
        return;
      }
      const options: string[] = result.manifests.find(m => m.kind === 'IvoryCluster').spec.backups.pgbackrest.restore.options;
      // IVYO joins them with spaces and runs them through bash: the words bash sees are the arguments meant.
      expect(shellWords(options.join(' '))).toEqual(restore.toArguments());
      outcome.synthesized++;
    }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 12) });
    // Both outcomes, a good share each.
    expect(outcome.synthesized).toBeGreaterThan(RUNS / 10);
    expect(outcome.refused).toBeGreaterThan(RUNS / 10);
    process.stdout.write(`IVYO's shell: ${RUNS} cases, ${outcome.synthesized} synthesized, ${outcome.refused} refused\n`);
  });

  test('a time target reaches it as one word', () => {
    const restore = Restore.inPlace({ restoreId: 'r1', repoName: 'repo1', confirmOverwrite: true, target: RecoveryTarget.time('2026-11-26T13:15:11.5-04:00') });
    const result = attempt({ inPlaceRestore: restore }) as { manifests: any[] };
    const options: string[] = result.manifests.find(m => m.kind === 'IvoryCluster').spec.backups.pgbackrest.restore.options;
    expect(shellWords(options.join(' '))).toEqual(['--type=time', '--target=2026-11-26 13:15:11.5-04:00']);
  });
});

/** Parses a pgBackRest conf file line by line; fails on any line pgBackRest would read differently. */
function parseIni(text: string): { [section: string]: { [key: string]: string } } {
  const out: { [section: string]: { [key: string]: string } } = {};
  let section: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]\s]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      out[section] = {};
      continue;
    }
    const m = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*) =(?: (.*))?$/.exec(line);
    if (!m || section === undefined) throw new Error(`not a conf file line: ${JSON.stringify(line)}`);
    const resolved = resolveOptionName(m[1], false);
    if (!resolved || resolved.error || resolved.alias) throw new Error(`not a pgBackRest option as documented: ${m[1]}`);
    if (m[1] in out[section]) throw new Error(`${m[1]} twice in [${section}]`);
    if (/[\r\0]/.test(m[2] ?? '')) throw new Error(`a CR or NUL in ${m[1]}`);
    out[section][m[1]] = m[2] ?? '';
  }
  return out;
}

/** Strings with what would break a conf file line (a line break, CR, NUL, '=', '[', '#'), a third of them clean. */
const INI_HOSTILE = ['\n', '\r', '\0', '=', '[', ']', '#', ' ', ',', '*'];
const NAME = ['a', 'z', 'Q', '0', '7', '-', '.', '_'];
const iniText = fc.oneof(
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...INI_HOSTILE, ...NAME), { minLength: 1, maxLength: 12 }).map(cs => cs.join('')) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...NAME), { maxLength: 10 }).map(cs => `p${cs.join('')}1`) },
);

describe('pgBackRest\'s conf files', () => {
  const confFiles = (manifests: any[]) => Object.entries(manifests.find(m => m.kind === 'ConfigMap' && m.metadata.name.endsWith('pgbackrest-config')).data as { [k: string]: string })
    .map(([name, text]) => ({ name, ini: parseIni(text) }));

  test(`an S3 role name and a TLS common name reach them as one value, or are refused (${RUNS} cases)`, () => {
    const outcome = { synthesized: 0, refused: 0 };
    fc.assert(fc.property(iniText, fc.boolean(), (text, asRole) => {
      const result = attempt({
        target: DeploymentTarget.STANDALONE,
        repos: [BackupRepo.s3({ bucket: 'backups', region: 'us-east-1', credentials: RepoCredentials.s3InstanceRole({ roleName: asRole ? text : 'pg' }) })],
        standalone: {
          tls: TlsCertificates.fromSecrets({
            pgbackrestSecretName: 'pgbr-tls', postgresSecretName: 'pg-tls', replicationSecretName: 'repl-tls', pgbackrestCommonName: asRole ? undefined : text,
          }),
        },
      });
      if ('message' in result) {
        expect(problemFields(result.message)).toEqual([asRole ? 'repos[0].credentials.roleName' : 'standalone.tls.pgbackrestCommonName']);
        outcome.refused++;
        return;
      }
      const files = confFiles(result.manifests);
      for (const { name, ini } of files) {
        if (asRole && ini.global?.['repo1-s3-key-type'] === 'auto') expect(ini.global['repo1-s3-role']).toBe(text);
        if (name === 'pgbackrest-server.conf') expect(ini.global['tls-server-auth']).toBe(`${asRole ? 'hippo-pgbackrest' : text}=db`);
        expect(ini.global?.['repo1-storage-verify-tls']).toBeUndefined();
      }
      outcome.synthesized++;
    }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 13) });
    // Both outcomes, a good share each.
    expect(outcome.synthesized).toBeGreaterThan(RUNS / 10);
    expect(outcome.refused).toBeGreaterThan(RUNS / 10);
    process.stdout.write(`conf files: ${RUNS} cases, ${outcome.synthesized} synthesized, ${outcome.refused} refused\n`);
  });
});

describe('the standalone switchover Job', () => {
  const runs = RUNS;
  test(`a switchover trigger is refused, or only the annotation holds it and the Job's name is a DNS label (${runs} cases)`, () => {
    const outcome = { synthesized: 0, refused: 0 };
    const trigger = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('"', '\'', '$', '(', ')', '`', '\\', '\n', ' ', ';', 'a', '-', '{', '}'), maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 240, maxLength: 270 }),
    );
    fc.assert(fc.property(trigger, text => {
      const result = attempt({
        target: DeploymentTarget.STANDALONE,
        externalSecretStore: undefined,
        instances: [{ replicas: 2 }],
        highAvailability: { switchover: { trigger: text } },
      });
      if ('message' in result) {
        expect(problemFields(result.message)).toEqual(['highAvailability.switchover.trigger']);
        outcome.refused++;
        return;
      }
      const [job] = result.manifests.filter(m => m.kind === 'Job' && m.metadata.name.startsWith('hippo-switchover-'));
      expect(job.metadata.name).toMatch(/^hippo-switchover-[0-9a-f]{8}$/);
      expect(job.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe(text);
      expect(job.spec.template.metadata.annotations['ivory-operator.ivorysql.org/trigger-switchover']).toBe(text);
      // The container reads it from the annotation (fieldRef), never as a value Kubernetes would expand.
      const env = job.spec.template.spec.containers[0].env;
      expect(env.find((e: any) => e.name === 'TRIGGER')).toEqual({
        name: 'TRIGGER', valueFrom: { fieldRef: { fieldPath: 'metadata.annotations[\'ivory-operator.ivorysql.org/trigger-switchover\']' } },
      });
      outcome.synthesized++;
    }), { numRuns: runs, seed: Number(process.env.FC_SEED ?? 13) });
    expect(outcome.synthesized).toBeGreaterThan(runs / 10);
    expect(outcome.refused).toBeGreaterThan(runs / 10);
    process.stdout.write(`switchover triggers: ${runs} cases, ${outcome.synthesized} synthesized, ${outcome.refused} refused\n`);
  });
});

// The table ships in the package; it must be what the generator makes of pgBackRest's own definitions.
const TARBALL = process.env.PGBACKREST_SOURCE_TARBALL ?? '/work/shared/vendor/pgbackrest-2.58.0.tar.xz';
(existsSync(TARBALL) ? test : test.skip)(`the option table is generated from ${TARBALL}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgbackrest-'));
  execFileSync('tar', ['xJf', TARBALL, '-C', dir, 'pgbackrest-2.58.0/src/build/config/config.yaml']);
  const generated = execFileSync('npx', ['ts-node', '--project', 'projenrc/tsconfig.json', 'projenrc/generate-pgbackrest-options.ts',
    join(dir, 'pgbackrest-2.58.0/src/build/config/config.yaml'), '2.58'], { encoding: 'utf8' });
  expect(generated).toBe(readFileSync('src/private/pgbackrest/option-table.ts', 'utf8'));
}, 120_000);
