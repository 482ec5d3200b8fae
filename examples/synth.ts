/**
 * Synthesizes the bundled examples into examples/<name>/dist: `npm run synth`.
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { build as operator } from './operator/main';
import { build as operatorConfSecrets } from './operator-conf-secrets/main';
import { build as operatorFromBucket } from './operator-from-bucket/main';
import { build as operatorGcsKey } from './operator-gcs-key/main';
import { build as operatorPitrInPlace } from './operator-pitr-in-place/main';
import { build as operatorStandbyS3 } from './operator-standby-s3/main';
import { build as standalone } from './standalone/main';

/** Each example is also a cdk8s app of its own (`cdk8s synth` in its folder, see its cdk8s.yaml). */
export const EXAMPLES: { [name: string]: (app: App) => unknown } = {
  'operator': operator,
  'standalone': standalone,
  'operator-conf-secrets': operatorConfSecrets,
  'operator-gcs-key': operatorGcsKey,
  'operator-pitr-in-place': operatorPitrInPlace,
  'operator-standby-s3': operatorStandbyS3,
  'operator-from-bucket': operatorFromBucket,
};

if (require.main === module) {
  for (const [name, build] of Object.entries(EXAMPLES)) {
    const app = new App({ outdir: path.join(__dirname, name, 'dist') });
    build(app);
    app.synth();
    console.log(`examples/${name}/dist: synthesized`);
  }
}
