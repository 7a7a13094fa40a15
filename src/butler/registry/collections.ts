/**
 * Collections: RUN (datasets are written into exactly one), TAGGED (a hand-picked set) and
 * CHAINED (an ordered search path of other collections; nested chains are flattened and
 * cycles rejected).
 */
import { RegistryError } from '../../errors.js';
import { globToRegExp, isGlob } from '../glob.js';
import type { Db } from './db.js';
import { suggest } from './messages.js';
import { quantaCommand } from '../../util/cli-hint.js';

export type CollectionType = 'RUN' | 'TAGGED' | 'CHAINED';

export interface CollectionInfo {
  name: string;
  type: CollectionType;
  /** children of a CHAINED collection, in search order; [] otherwise */
  children: string[];
}

const TYPES: CollectionType[] = ['RUN', 'TAGGED', 'CHAINED'];

/** fnmatch-style globs (`*`, `?`, `[...]`) as daf_butler: see ../glob.ts */
export { globToRegExp };

export class Collections {
  constructor(private readonly db: Db) {}

  async types(): Promise<Map<string, CollectionType>> {
    const rows = await this.db.all<{ name: string; type: CollectionType }>(
      'SELECT name, type FROM collection',
    );
    return new Map(rows.map((r) => [r.name, r.type]));
  }

  async typeOf(name: string): Promise<CollectionType | undefined> {
    const rows = await this.db.all<{ type: CollectionType }>('SELECT type FROM collection WHERE name = ?', [
      name,
    ]);
    return rows[0]?.type;
  }

  async unknown(name: string): Promise<RegistryError> {
    const names = [...(await this.types()).keys()];
    return new RegistryError(
      'REGISTRY_UNKNOWN_COLLECTION',
      `Collection "${name}" does not exist${suggest(name, names)}; list them with ${quantaCommand('butler query-collections REPO')}.`,
      { key: name },
    );
  }

  /** Register a collection; a no-op when it exists with the same type. Returns true if created. */
  async register(name: string, type: CollectionType): Promise<boolean> {
    if (!TYPES.includes(type))
      throw new RegistryError(
        'REGISTRY_COLLECTION_TYPE',
        `Collection type "${String(type)}" is not one of ${TYPES.join(', ')}.`,
      );
    if (!name.trim())
      throw new RegistryError('REGISTRY_COLLECTION_NAME', 'A collection name must not be empty.');
    const existing = await this.typeOf(name);
    if (existing === type) return false;
    if (existing)
      throw new RegistryError(
        'REGISTRY_COLLECTION_TYPE',
        `Collection "${name}" already exists as a ${existing} collection, not ${type}: choose another name.`,
        { key: name },
      );
    await this.db.run('INSERT INTO collection (name, type) VALUES (?, ?) ON CONFLICT DO NOTHING', [
      name,
      type,
    ]);
    return true;
  }

  async getChain(name: string): Promise<string[]> {
    const type = await this.typeOf(name);
    if (!type) throw await this.unknown(name);
    if (type !== 'CHAINED')
      throw new RegistryError(
        'REGISTRY_NOT_CHAINED',
        `Collection "${name}" is a ${type} collection, not CHAINED.`,
        {
          key: name,
        },
      );
    const rows = await this.db.all<{ child: string }>(
      'SELECT child FROM collection_chain WHERE parent = ? ORDER BY position',
      [name],
    );
    return rows.map((r) => r.child);
  }

  /** Set the children of a CHAINED collection (created when missing); cycles are rejected. */
  async setChain(parent: string, children: string[]): Promise<void> {
    await this.db.transaction(async () => {
      const types = await this.types();
      const t = types.get(parent);
      if (t && t !== 'CHAINED')
        throw new RegistryError(
          'REGISTRY_NOT_CHAINED',
          `Collection "${parent}" is a ${t} collection; only a CHAINED collection has children.`,
          { key: parent },
        );
      for (const c of children) if (!types.has(c)) throw await this.unknown(c);
      // would the parent be reachable from its new children?
      const chains = new Map<string, string[]>();
      const rows = await this.db.all<{ parent: string; child: string }>(
        'SELECT parent, child FROM collection_chain ORDER BY parent, position',
      );
      for (const r of rows) chains.set(r.parent, [...(chains.get(r.parent) ?? []), r.child]);
      chains.set(parent, children);
      const path: string[] = [];
      const visit = (c: string): void => {
        if (path.includes(c))
          throw new RegistryError(
            'REGISTRY_CHAIN_CYCLE',
            `Setting the children of chain "${parent}" to [${children.join(', ')}] would make a cycle: ${[...path, c].join(' -> ')}.`,
            { key: parent },
          );
        path.push(c);
        for (const k of chains.get(c) ?? []) visit(k);
        path.pop();
      };
      visit(parent);
      if (!t) await this.db.run('INSERT INTO collection (name, type) VALUES (?, ?)', [parent, 'CHAINED']);
      await this.db.run('DELETE FROM collection_chain WHERE parent = ?', [parent]);
      let i = 0;
      for (const c of children)
        await this.db.run('INSERT INTO collection_chain (parent, position, child) VALUES (?, ?, ?)', [
          parent,
          i++,
          c,
        ]);
    });
  }

  /** The flattened search path (RUN and TAGGED names, first occurrence kept); globs allowed. */
  async resolve(names: string[]): Promise<string[]> {
    const types = await this.types();
    const rows = await this.db.all<{ parent: string; child: string }>(
      'SELECT parent, child FROM collection_chain ORDER BY parent, position',
    );
    const chains = new Map<string, string[]>();
    for (const r of rows) chains.set(r.parent, [...(chains.get(r.parent) ?? []), r.child]);
    const out: string[] = [];
    const seen = new Set<string>();
    const add = async (name: string, depth: number): Promise<void> => {
      const type = types.get(name);
      if (!type) throw await this.unknown(name);
      if (type === 'CHAINED') {
        if (depth > 100)
          throw new RegistryError(
            'REGISTRY_CHAIN_CYCLE',
            `Collection chain "${name}" is nested too deeply (a cycle?).`,
          );
        for (const c of chains.get(name) ?? []) await add(c, depth + 1);
      } else if (!seen.has(name)) {
        seen.add(name);
        out.push(name);
      }
    };
    for (const n of names) {
      if (isGlob(n)) {
        const re = globToRegExp(n);
        for (const name of [...types.keys()].sort()) if (re.test(name)) await add(name, 0);
      } else await add(n, 0);
    }
    return out;
  }

  async query(pattern?: string): Promise<CollectionInfo[]> {
    const types = await this.types();
    const re = pattern ? globToRegExp(pattern) : undefined;
    const rows = await this.db.all<{ parent: string; child: string }>(
      'SELECT parent, child FROM collection_chain ORDER BY parent, position',
    );
    const out: CollectionInfo[] = [];
    for (const [name, type] of [...types].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (re && !re.test(name)) continue;
      out.push({ name, type, children: rows.filter((r) => r.parent === name).map((r) => r.child) });
    }
    return out;
  }
}
