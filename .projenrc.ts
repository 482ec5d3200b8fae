import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-ivorysql',
  description: 'cdk8s constructs for IvorySQL clusters with pgBackRest backups: IvorySQL Operator custom resources or complete standalone manifests.',
  author: 'cdk8s-ivorysql developers',
  authorAddress: 'dev@cdk8s-ivorysql.invalid',
  // jsii needs a repository to compile; there is no public one yet, so the published package.json has none
  // (projenrc/published-manifest.js drops it with the development scripts).
  repositoryUrl: 'https://example.com/cdk8s-ivorysql.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  keywords: ['cdk8s', 'ivorysql', 'postgresql', 'pgbackrest', 'backup', 'kubernetes'],

  // projen defaults to cdk8s 1.x; cdk8s-plus-28 needs cdk8s >= 2.68.12.
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',

  // Runtime helpers that are not jsii modules must be bundled.
  // cronstrue: human-readable schedule descriptions for the backup plan report.
  // (Cron parsing itself follows robfig/cron, which Kubernetes uses; no JS library matches its star and DST rules.)
  bundledDeps: ['cronstrue@^3'],
  devDeps: [
    '@types/node@^20',
    'kubernetes-models@^4.5.1', // Kubernetes 1.33 schemas; 5.x is ESM-only and needs Node 22
    '@kubernetes-models/cert-manager@^4.4.4', // cert-manager CRD schemas (Certificate, Issuer)
    '@kubernetes-models/external-secrets@^0.5.2', // ExternalSecret schema (v1beta1, same shape as v1)
    '@kubernetes-models/prometheus-operator@^4.4.4', // PrometheusRule and PodMonitor schemas (5.x is ESM-only)
    'croner@^11', // an independent cron implementation to cross-check ours in tests
    'ajv@^8',
    'ajv-formats@^3',
    'yaml@^2',
    'fast-check@^3',
    'ts-node@^10.9.2',
  ],

  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 60_000,
      // End-to-end suites start real servers; two workers match the CI machine.
      maxWorkers: 2,
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      // Every manifest any test synthesizes is schema-validated and security-checked.
      setupFilesAfterEnv: ['<rootDir>/test/setup/every-manifest.ts'],
    },
  },
  gitignore: ['examples/**/dist/', '/.cache/', '/bench-results/', '/test/emulators/node_modules/'],
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../bench/**/*.ts'],
  },
});

// The last lines of a run: suites, passed/failed/skipped, and which end-to-end scenarios ran on which engine.
// (An override: projen's jestConfig.reporters adds its defaults twice.)
project.package.file.addOverride('jest.reporters', ['default', ['jest-junit', { outputDirectory: 'test-reports' }],
  '<rootDir>/test/support/summary-reporter.js']);

project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// ts-jest runs with isolatedModules (no type errors), so type-check tests, examples and benchmarks first.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json');
// The end-to-end suites need the engine (IvorySQL 5.4 and pgBackRest 2.58, built from ../shared/vendor on first use),
// bubblewrap, nss_wrapper, the storage emulators and Chromium.
project.testTask.prependExec('bash test/setup/ensure-tools.sh');

project.addTask('synth', {
  description: 'Synthesize the bundled examples into examples/*/dist',
  exec: 'ts-node --transpile-only examples/synth.ts',
});
project.addTask('bench', {
  description: 'Benchmarks: pgBackRest settings and synthesis at fleet scale (not part of test)',
  exec: 'bash test/setup/ensure-tools.sh && ts-node --transpile-only bench/run.ts',
});
project.addTask('test:long', {
  description: 'Property-based tests with many more cases',
  env: { FC_NUM_RUNS: '50000' },
  exec: 'jest --ci test/property.test.ts',
});

project.npmignore?.addPatterns('/examples/', '/bench/', '/test/', '/.ci/', '/docs/', '/.package.json.dev', '/NOTES-*.md');

// The first version users install (projen writes 0.0.0 unless a release workflow bumps it; this project has none).
project.package.addVersion('0.1.0');
// The published package.json without projen's development scripts, jest settings and the placeholder repository:
// npm runs prepack before it reads the manifest into the tarball and postpack after, also for the package task's
// pack to dist/js.
project.package.setScript('prepack', 'node projenrc/published-manifest.js strip');
project.package.setScript('postpack', 'node projenrc/published-manifest.js restore');
project.gitignore.addPatterns('/.package.json.dev');
project.eslint?.addIgnorePattern('test/emulators/');
// The layers of src/ (public concepts, then private/model, the formats, the two renderers) must not import each
// other in a circle: a cycle is how a renderer ends up importing the construct that calls it.
project.eslint?.addRules({ 'import/no-cycle': ['error', { ignoreExternal: true }] });
project.synth();
