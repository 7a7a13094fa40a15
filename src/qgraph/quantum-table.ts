/**
 * The quanta of a graph as columns (docs/qgraph.md, "In memory"): per task, the quanta's data
 * IDs and, per connection, the dataset indices in CSR form (offsets + values), which is also how
 * the file holds them. `graph.quanta` (one object per quantum) is made from them on first use,
 * so building, saving and loading a graph never hold a million quantum objects unless a
 * consumer asks for them.
 */
import type { DataId } from '../task/define-task.js';
import type { QGQuantum, QuantumGraph } from './types.js';

/** A growable int32 column. */
export class IntList {
  a = new Int32Array(256);
  n = 0;

  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }

  view(): Int32Array {
    return this.a.subarray(0, this.n);
  }
}

/** One connection's edges of a task's quanta: quantum i has values[offsets[i]..offsets[i+1]). */
export interface Edges {
  conn: string;
  offsets: Int32Array;
  values: Int32Array;
}

/** The quanta of one task, contiguous in the graph. */
export interface QuantumGroup {
  label: string;
  count: number;
  dataIds: DataId[];
  inputs: Edges[];
  outputs: Edges[];
}

/** Appends the quanta of one task (the builder's side). */
export class GroupWriter {
  readonly dataIds: DataId[] = [];
  private readonly ins: { conn: string; offsets: IntList; values: IntList }[];
  private readonly outs: { conn: string; offsets: IntList; values: IntList }[];

  constructor(
    readonly label: string,
    inputs: string[],
    outputs: string[],
  ) {
    const col = (conn: string) => ({ conn, offsets: new IntList(), values: new IntList() });
    this.ins = inputs.map(col);
    this.outs = outputs.map(col);
  }

  add(dataId: DataId, inputs: Record<string, number[]>, outputs: Record<string, number[]>): void {
    this.dataIds.push(dataId);
    for (const [cols, side] of [
      [this.ins, inputs],
      [this.outs, outputs],
    ] as const) {
      for (const c of cols) {
        c.offsets.push(c.values.n);
        const list = side[c.conn];
        if (list) for (let k = 0; k < list.length; k++) c.values.push(list[k]);
      }
    }
  }

  done(): QuantumGroup {
    const edges = (cols: typeof this.ins): Edges[] =>
      cols.map((c) => {
        c.offsets.push(c.values.n);
        return { conn: c.conn, offsets: c.offsets.view(), values: c.values.view() };
      });
    return {
      label: this.label,
      count: this.dataIds.length,
      dataIds: this.dataIds,
      inputs: edges(this.ins),
      outputs: edges(this.outs),
    };
  }
}

/** One connection side of quantum `i` of `grp` as a plain record (a fresh object). */
function sideOf(grp: QuantumGroup, side: 'inputs' | 'outputs', i: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const e of grp[side]) {
    const a = e.offsets[i];
    const b = e.offsets[i + 1];
    // one dataset per connection is by far the common case: avoid Array.from there
    if (b === a + 1) out[e.conn] = [e.values[a]];
    else if (b > a) out[e.conn] = Array.from(e.values.subarray(a, b));
  }
  return out;
}

/**
 * A quantum over the columns: `label` and `dataId` are own fields, `inputs` and `outputs` are
 * made from the group's edges when first read (then kept, and assignable as on a plain object).
 * A million plain quanta with their edge records are some six million objects, and making them
 * was most of a graph's load time (in the garbage collector); these are one object each until
 * a consumer reads their edges.
 */
class ColumnQuantum implements QGQuantum {
  readonly #grp: QuantumGroup;
  readonly #i: number;
  #ins?: Record<string, number[]>;
  #outs?: Record<string, number[]>;

  constructor(
    public label: string,
    public dataId: DataId,
    grp: QuantumGroup,
    i: number,
  ) {
    this.#grp = grp;
    this.#i = i;
  }

  get inputs(): Record<string, number[]> {
    return (this.#ins ??= sideOf(this.#grp, 'inputs', this.#i));
  }

  set inputs(v: Record<string, number[]>) {
    this.#ins = v;
  }

  get outputs(): Record<string, number[]> {
    return (this.#outs ??= sideOf(this.#grp, 'outputs', this.#i));
  }

  set outputs(v: Record<string, number[]>) {
    this.#outs = v;
  }

  /** what JSON.stringify and the spread of a plain quantum give */
  toJSON(): QGQuantum {
    return { label: this.label, dataId: this.dataId, inputs: this.inputs, outputs: this.outputs };
  }
}

/** The quantum objects of the groups, in order (what `graph.quanta` holds once asked for). */
export function materialiseQuanta(groups: QuantumGroup[]): QGQuantum[] {
  const quanta: QGQuantum[] = new Array(groups.reduce((n, g) => n + g.count, 0));
  let k = 0;
  for (const grp of groups)
    for (let i = 0; i < grp.count; i++) quanta[k++] = new ColumnQuantum(grp.label, grp.dataIds[i], grp, i);
  return quanta;
}

/** The columns of graphs whose `quanta` has not been made yet. */
const unmaterialised = new WeakMap<object, QuantumGroup[]>();

/** The quantum columns of `g`, while its `quanta` objects are not made (file.ts writes them). */
export function quantumGroupsOf(g: QuantumGraph): QuantumGroup[] | undefined {
  return unmaterialised.get(g);
}

/** Number of quanta of `g` without making the quantum objects. */
export function quantumCount(g: QuantumGraph): number {
  const groups = unmaterialised.get(g);
  return groups ? groups.reduce((n, x) => n + x.count, 0) : g.quanta.length;
}

/** `graph` with a `quanta` that is made from `groups` on first use (then an ordinary array). */
export function withLazyQuanta(graph: Omit<QuantumGraph, 'quanta'>, groups: QuantumGroup[]): QuantumGraph {
  const g = graph as QuantumGraph;
  unmaterialised.set(g, groups);
  Object.defineProperty(g, 'quanta', {
    enumerable: true,
    configurable: true,
    get(): QGQuantum[] {
      const quanta = materialiseQuanta(groups);
      unmaterialised.delete(g);
      Object.defineProperty(g, 'quanta', {
        value: quanta,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return quanta;
    },
    set(value: QGQuantum[]) {
      unmaterialised.delete(g);
      Object.defineProperty(g, 'quanta', { value, enumerable: true, writable: true, configurable: true });
    },
  });
  return g;
}
