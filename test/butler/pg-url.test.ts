// PostgreSQL repositories named by their URL, and their credentials: `butlerConfig:
// postgresql://...` opens the repository (the `//` kept), passwords are never printed, butler.yaml
// holds no password that PGPASSWORD or ~/.pgpass gives, and is owner-only when it does hold one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, expect, it } from 'vitest';
import { openButler } from '../../src/butler/index.js';
import { pgClientConfig } from '../../src/butler/registry/pg-connect.js';
import { prepareRun } from '../../src/qgraph/prepare.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { makeToyRepo } from '../qgraph/toy-repo.js';

const bin = fileURLToPath(new URL('../../bin/quanta.js', import.meta.url));
const pipeline = fileURLToPath(new URL('../pipeline/fixtures/DRP.yaml', import.meta.url));
const pg = probeService('postgres');

function quanta(env: NodeJS.ProcessEnv, ...args: string[]) {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: full });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithService('postgres', pg, 'PostgreSQL registry URLs and credentials', () => {
  const base = pg.env.QUANTA_PG_URL; // postgresql://quanta:quanta@127.0.0.1:55432/quanta
  const u = new URL(base);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const noPassword = u.toString();
  let dir: string;
  let pgpassFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quanta-pg-url-'));
    pgpassFile = join(dir, 'pgpass');
    writeFileSync(
      pgpassFile,
      `${u.hostname}:${u.port || 5432}:*:${decodeURIComponent(u.username)}:${password}\n`,
      {
        mode: 0o600,
      },
    );
  });

  it('keeps a password ~/.pgpass has out of butler.yaml, and the URL alone opens the repo', () => {
    const repo = join(dir, 'viapgpass');
    const env = { PGPASSFILE: pgpassFile, PGPASSWORD: undefined };
    const made = quanta(env, 'butler', 'create', repo, '--registry', base, '--json');
    expect(made.stderr).toBe('');
    expect(made.stdout).not.toContain(`:${password}@`);
    const yamlText = readFileSync(join(repo, 'butler.yaml'), 'utf8');
    expect(yamlText).not.toContain(`:${password}@`);
    const cfg = parse(yamlText) as { registry: { db: string; namespace: string } };
    expect(cfg.registry.db).toBe(noPassword);
    // the URL with ?namespace= names the repository: its // survives and it is found
    const url = `${noPassword}?namespace=${cfg.registry.namespace}`;
    const r = quanta(env, 'butler', 'query-collections', url, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('writes butler.yaml owner-only when it must hold the password', () => {
    const repo = join(dir, 'inline');
    const env = { PGPASSFILE: join(dir, 'no-such-pgpass'), PGPASSWORD: undefined };
    const made = quanta(env, 'butler', 'create', repo, '--registry', base);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain(':***@');
    expect(made.stdout).not.toContain(`:${password}@`);
    expect(readFileSync(join(repo, 'butler.yaml'), 'utf8')).toContain(`:${password}@`);
    expect(statSync(join(repo, 'butler.yaml')).mode & 0o777).toBe(0o600);
  });

  it('asks PGPASSWORD, then ~/.pgpass, for a URL without a password', async () => {
    const pass = pgClientConfig(noPassword).password as () => Promise<string>;
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    try {
      delete process.env.PGPASSWORD;
      process.env.PGPASSFILE = pgpassFile;
      expect(await pass()).toBe(password);
      process.env.PGPASSWORD = 'from-env';
      expect(await pass()).toBe('from-env');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(pgClientConfig(base).password).toBe(password);
  });

  it('never prints the password of a URL it cannot connect to', () => {
    const r = quanta({}, 'butler', 'query-collections', 'postgresql://quanta:topsecret42@127.0.0.1:1/quanta');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/\[REGISTRY_CONNECT\].*postgresql:\/\/quanta:\*\*\*@127\.0\.0\.1:1\/quanta/);
    expect(r.stderr).not.toContain('topsecret42');
  });

  it('asks for ?namespace= when the database holds several repositories', () => {
    // this suite alone made two; other suites may have made more
    const r = quanta({ PGPASSFILE: pgpassFile }, 'butler', 'query-collections', base);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[REGISTRY_AMBIGUOUS\].*quanta repositories .*add \?namespace=NAME/);
    expect(r.stderr).not.toContain(`:${password}@`);
  });

  it('says how to create a repository when the schema holds none, not a path made of the URL', () => {
    const r = quanta({}, 'butler', 'query-collections', `${base}?namespace=quanta_no_such_repo`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\[REGISTRY_NO_REPOSITORY\]/);
    expect(r.stderr).toContain('quanta butler create DIR --registry postgresql://quanta:***@'); // npx quanta ... in a checkout
    expect(r.stderr).not.toMatch(/postgresql:\/[^/]/);
  });

  it('builds the quantum graph of a bps YAML whose butlerConfig is the registry URL', async () => {
    const repo = join(dir, 'toy');
    const { butler } = await makeToyRepo(repo, {
      visits: [10, 11],
      detectors: [0, 1],
      rawFiles: true,
      registry: base,
    });
    const ns = butler.config.registry.namespace as string;
    await butler.close();
    const url = `${base}?namespace=${ns}`;
    const viaUrl = await openButler(url);
    expect(viaUrl.root).toBe(repo);
    await viaUrl.close();
    const file = join(dir, 'bps.yaml');
    writeFileSync(
      file,
      [
        `pipelineYaml: "${pipeline}#isr"`,
        'payload:',
        '  payloadName: pgurl',
        `  butlerConfig: "${url}"`,
        '  inCollection: ToyCam/defaults',
        `  dataQuery: "instrument='ToyCam' and visit in (10, 11)"`,
        `submitPath: ${join(dir, 'submit')}`,
        '',
      ].join('\n'),
    );
    const run = await prepareRun(file, { env: { ...process.env, USER: 'tester' } });
    expect(run.counts).toEqual({ isr: 4 });
    const summary = readFileSync(join(run.submitDir, 'summary.json'), 'utf8');
    expect(JSON.parse(summary).butler).toBe(repo);
    expect(summary).not.toContain(`:${password}@`);
  });
});
