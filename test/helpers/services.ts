/**
 * Tests that need a real service (PostgreSQL, Slurm, Chromium) ask for it here.
 * When the service is absent the suite is skipped with the reason, unless
 * QUANTA_REQUIRE_SERVICES=1 (CI sets it), in which case the absence is a failure.
 *
 * The service start scripts (scripts/services/start-*.sh) write `.services/<name>.env`
 * files of KEY=VALUE lines; they are read here so that a developer who started a service
 * once can simply run `npm test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { holdClusterDuringSuite } from './cluster-lock.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServiceName = 'postgres' | 'slurm' | 'chromium' | 'astropy' | 'lsst';

export interface ServiceProbe {
  available: boolean;
  reason: string;
  env: Record<string, string>;
}

function readEnvFile(name: string): Record<string, string> {
  const path = `${root}/.services/${name}.env`;
  const env: Record<string, string> = {};
  if (!existsSync(path)) return env;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function probeService(name: ServiceName): ServiceProbe {
  const env = { ...readEnvFile(name) };
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('QUANTA_') && v) env[k] = v;
  switch (name) {
    case 'postgres':
      return env.QUANTA_PG_URL
        ? { available: true, reason: '', env }
        : { available: false, reason: 'no PostgreSQL: run scripts/services/start-postgres.sh', env };
    case 'slurm':
      return env.QUANTA_SLURM_CONF && existsSync(env.QUANTA_SLURM_CONF)
        ? { available: true, reason: '', env }
        : { available: false, reason: 'no Slurm test cluster: run scripts/services/start-slurm.sh', env };
    case 'chromium': {
      const bin = env.QUANTA_CHROMIUM ?? '/usr/bin/chromium';
      return existsSync(bin)
        ? { available: true, reason: '', env: { ...env, QUANTA_CHROMIUM: bin } }
        : { available: false, reason: `no Chromium at ${bin}: apt-get install chromium`, env };
    }
    case 'lsst': {
      const venv = env.QUANTA_LSST_VENV;
      return venv && existsSync(`${venv}/bin/python`) && existsSync(`${venv}/bin/butler`)
        ? { available: true, reason: '', env }
        : {
            available: false,
            reason: 'no LSST middleware venv: run scripts/services/start-lsst.sh',
            env,
          };
    }
    case 'astropy':
      return existsSync('/usr/lib/python3/dist-packages/astropy')
        ? { available: true, reason: '', env: { ...env, QUANTA_PYTHON: '/usr/bin/python3' } }
        : { available: false, reason: 'no astropy: apt-get install python3-astropy', env };
  }
}

/**
 * `describe` for a suite that needs `name`. Usage:
 *   const pg = probeService('postgres');
 *   describeWithService('postgres', pg, 'registry on PostgreSQL', () => { ... });
 */
export function describeWithService(
  name: ServiceName,
  probe: ServiceProbe,
  title: string,
  body: () => void,
): void {
  if (probe.available) {
    describe(title, () => {
      // one file at a time on the 3-node test cluster (its allocations take whole nodes)
      if (name === 'slurm' && probe.env.QUANTA_SLURM_CONF)
        holdClusterDuringSuite(probe.env.QUANTA_SLURM_CONF);
      body();
    });
  } else if (process.env.QUANTA_REQUIRE_SERVICES === '1') {
    describe(title, () => {
      it(`requires ${name}`, () => {
        throw new Error(`${name} is required in CI (QUANTA_REQUIRE_SERVICES=1) but absent: ${probe.reason}`);
      });
    });
  } else {
    describe.skipIf(true)(`${title} [skipped: ${probe.reason}]`, body);
  }
}
