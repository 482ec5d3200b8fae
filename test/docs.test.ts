/**
 * The backup plan report shown in the README is the one the standalone example synthesizes, byte for byte.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { build } from '../examples/standalone/main';
import { IvoryCluster } from '../src';

test('docs/ holds the standalone example\'s current backup plan report', () => {
  const app: App = Testing.app();
  const chart = build(app);
  const cluster = chart.node.findAll().find((c): c is IvoryCluster => c instanceof IvoryCluster) as IvoryCluster;
  const docs = path.join(__dirname, '..', 'docs');
  const name = `${cluster.namespace}.${cluster.clusterName}.backup-plan`;
  if (process.env.UPDATE_DOCS) {
    fs.writeFileSync(path.join(docs, `${name}.md`), cluster.planAnalysis.toMarkdown());
    fs.writeFileSync(path.join(docs, `${name}.svg`), cluster.planAnalysis.toSvg());
  }
  expect(fs.readFileSync(path.join(docs, `${name}.md`), 'utf8')).toBe(cluster.planAnalysis.toMarkdown());
  expect(fs.readFileSync(path.join(docs, `${name}.svg`), 'utf8')).toBe(cluster.planAnalysis.toSvg());
});
