/**
 * `quanta report --resources-out FILE.yaml`: requestMemory per task label from the peaks a run
 * measured, in the bps shape (`pipetask: {<label>: {requestMemory: MB}}`), to list in the next
 * submit YAML's `includeConfigs`.
 */
import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { LabelResources } from '../engine/report.js';

/** Round up to a step that grows with the size: 64 MB below 1 GB, 256 MB below 8 GB, then 1 GB. */
export function roundUpMemory(mb: number): number {
  const step = mb <= 1024 ? 64 : mb <= 8192 ? 256 : 1024;
  return Math.max(128, Math.ceil(mb / step) * step);
}

export interface ResourcesAdvice {
  label: string;
  peakMemoryMB: number;
  requestMemory: number;
}

export interface ResourcesFile {
  text: string;
  labels: ResourcesAdvice[];
  /** labels without a measured peak (no job of theirs finished): left out of the file */
  skipped: string[];
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function resourcesYaml(
  submitDir: string,
  resources: LabelResources[],
  safetyFactor = 1.2,
): ResourcesFile {
  if (!Number.isFinite(safetyFactor) || safetyFactor < 1 || safetyFactor > 10)
    throw new UsageError(
      'BAD_OPTION',
      `--safety-factor must be a number from 1 to 10 (a multiplier of the measured peak), got '${safetyFactor}'`,
      { key: '--safety-factor' },
    );
  const labels: ResourcesAdvice[] = [];
  const skipped: string[] = [];
  for (const r of resources) {
    if (!(r.peakMemoryMB > 0)) skipped.push(r.label);
    else
      labels.push({
        label: r.label,
        peakMemoryMB: r.peakMemoryMB,
        requestMemory: roundUpMemory(r.peakMemoryMB * safetyFactor),
      });
  }
  const lines = [
    `# requestMemory (MB) per task label: the peak measured in ${submitDir}`,
    `# times ${safetyFactor}, rounded up. Written by quanta report --resources-out; list this file in`,
    '# the submit YAML: includeConfigs: [this file]',
  ];
  if (skipped.length) lines.push(`# no measured peak (left out): ${skipped.join(', ')}`);
  if (labels.length === 0) lines.push('pipetask: {}');
  else {
    lines.push('pipetask:');
    for (const l of labels) {
      const key = plainKey.test(l.label) ? l.label : JSON.stringify(l.label);
      lines.push(
        `  ${key}:`,
        `    requestMemory: ${l.requestMemory} # peak ${Math.round(l.peakMemoryMB)} MB`,
      );
    }
  }
  return { text: `${lines.join('\n')}\n`, labels, skipped };
}

export function writeResourcesFile(
  file: string,
  submitDir: string,
  resources: LabelResources[],
  safetyFactor = 1.2,
): ResourcesFile {
  const out = resourcesYaml(submitDir, resources, safetyFactor);
  try {
    writeFileSync(file, out.text);
  } catch (e) {
    throw new UsageError(
      'WRITE_FAILED',
      `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file },
    );
  }
  return out;
}
