import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createButler, openButler } from '../../src/butler/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { registrySuite } from './registry-suite.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'quanta-reg-')), 'repo');

describe('registry on SQLite', () => {
  registrySuite(() => createButler(tmp()));

  it('reopens a repository and refuses a second create', async () => {
    const root = tmp();
    await (await createButler(root)).close();
    const b = await openButler(root);
    expect(b.registry.dialect).toBe('sqlite');
    await b.close();
    await expect(createButler(root)).rejects.toThrow(/already holds a repository/);
    await expect(openButler(join(root, 'nothing'))).rejects.toThrow(/not a quanta repository/);
  });
});

const pg = probeService('postgres');
describeWithService('postgres', pg, 'registry on PostgreSQL', () => {
  registrySuite(() => createButler(tmp(), { registry: pg.env.QUANTA_PG_URL }));

  it('gives each repository its own schema', async () => {
    const a = await createButler(tmp(), { registry: pg.env.QUANTA_PG_URL });
    const b = await createButler(tmp(), { registry: pg.env.QUANTA_PG_URL });
    try {
      expect(a.config.registry.namespace).not.toBe(b.config.registry.namespace);
      await a.registry.registerRun('only-in-a');
      expect(await b.registry.queryCollections()).toEqual([]);
      const again = await openButler(a.root);
      expect((await again.registry.queryCollections()).map((c) => c.name)).toEqual(['only-in-a']);
      await again.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
