// Test support (not part of the public API): writes small config trees into a fresh temp directory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/seed, holding the seed's bps YAML and its two includes */
export const SEED_DIR = fileURLToPath(new URL('../../test/fixtures/seed', import.meta.url));

/** The environment under which the seed YAML resolves. */
export function seedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GEN3_WORKFLOW_DIR: join(SEED_DIR, 'gen3_workflow'),
    OBS_LSST_DIR: join(SEED_DIR, 'obs_lsst'),
    USER: 'descdm',
    ...extra,
  };
}

/** Writes `{relative path: text}` under a new temp dir and returns the dir. */
export function writeFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-config-'));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** The smallest valid submit YAML body (payload + pipelineYaml), to extend in tests. */
export const MINIMAL = `pipelineYaml: pipe.yaml#a
payload:
  payloadName: demo
  butlerConfig: repo
  inCollection: in/raw
  dataQuery: "visit = 1"
`;
