import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReportIndex } from '../server/map/report-index';

/**
 * The map index as it was before the split into server/map/index/ (one 1,368-line file), for
 * benchmarks that run it beside the current one. Written at run time from git into bench/.baseline/
 * (ignored by git, so the copy is never a second source), with its imports re-pointed.
 */
export const BASELINE_COMMIT = 'ee9fb04';

export async function loadBaselineIndex(): Promise<new (capacity?: number) => ReportIndex> {
  const dir = path.resolve('bench/.baseline');
  const file = path.join(dir, 'report-index.ts');
  let src: string;
  try {
    src = execFileSync('git', ['show', `${BASELINE_COMMIT}:server/map/report-index.ts`], { encoding: 'utf8' });
  } catch {
    throw new Error(`the baseline needs git and commit ${BASELINE_COMMIT} (not in a shallow clone)`);
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, src.replace("from './morton'", "from '../../server/map/morton'"));
  const mod = (await import(pathToFileURL(file).href)) as { ReportIndex: new (capacity?: number) => ReportIndex };
  return mod.ReportIndex;
}
