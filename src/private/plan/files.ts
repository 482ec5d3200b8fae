import * as fs from 'fs';
import * as path from 'path';
import { reportName } from './report';
import type { BackupPlanAnalysis } from '../../backup-plan-analysis';

/** Writes a plan's Markdown report and SVG timeline into `directory`. */
export function writeReport(directory: string, plan: BackupPlanAnalysis): void {
  fs.mkdirSync(directory, { recursive: true });
  const base = path.join(directory, reportName(plan));
  fs.writeFileSync(`${base}.md`, plan.toMarkdown());
  fs.writeFileSync(`${base}.svg`, plan.toSvg());
}
