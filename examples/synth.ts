/**
 * Synthesizes the bundled examples into examples/<name>/dist: `npm run synth`.
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { build as operator } from './operator/main';
import { build as standalone } from './standalone/main';

const examples: { [name: string]: (app: App) => unknown } = { operator, standalone };

for (const [name, build] of Object.entries(examples)) {
  const app = new App({ outdir: path.join(__dirname, name, 'dist') });
  build(app);
  app.synth();
  console.log(`examples/${name}/dist: synthesized`);
}
