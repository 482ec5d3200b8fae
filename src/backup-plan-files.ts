import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { BackupPlan } from './backup-plan';
import { reportName } from './backup-plan-report';

/** Writes a plan's Markdown report and SVG timeline into the app's output directory. */
export function writeReport(scope: IConstruct, plan: BackupPlan): void {
  const outdir = App.of(scope).outdir;
  fs.mkdirSync(outdir, { recursive: true });
  const base = path.join(outdir, reportName(plan));
  fs.writeFileSync(`${base}.md`, plan.toMarkdown());
  fs.writeFileSync(`${base}.svg`, plan.toSvg());
}
