/** Values the tests use as secrets: none may ever appear in a manifest. */
export const TEST_SECRETS = [
  'S3RVER-secret-value',
  'correct-horse-battery-staple-e2e',
  'prop-secret-value-7f3a',
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
];
