import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContractEvalError, evaluate } from './contract-eval.js';
import { ContractSyntaxError, namesIn, parseContract } from './contract-parse.js';

const ev = (src: string, scope: Record<string, unknown> = {}): unknown => evaluate(parseContract(src), scope);

describe('contract expressions', () => {
  it('evaluates Python comparisons, boolean operators and attributes of labels', () => {
    const scope = { isr: { doDark: false, n: 3, names: ['a', 'b'], connections: { out: 'postISRCCD' } } };
    expect(ev('isr.doDark == False and isr.n > 2', scope)).toBe(true);
    expect(ev('1 < isr.n <= 3 and "a" in isr.names and "c" not in isr.names', scope)).toBe(true);
    expect(ev('isr.connections.out == "postISR" "CCD"', scope)).toBe(true);
    expect(ev('isr.doDark is not None and len(isr.names) == 2', scope)).toBe(true);
    expect(ev('isr.n if isr.doDark else -isr.n', scope)).toBe(-3);
    expect(ev('isr.names[-1] == "b" and (1, 2) == [1, 2]', scope)).toBe(true);
    expect(ev('not isr.doDark or 1 / 0', scope)).toBe(true);
  });

  it('lists the names a contract reads, not the builtins it calls', () => {
    expect([...namesIn(parseContract('len(a.x) == b.y[c.z]'))]).toEqual(['a', 'b', 'c']);
  });

  it('refuses what it cannot read or evaluate', () => {
    expect(() => parseContract('a.x ==')).toThrow(ContractSyntaxError);
    expect(() => parseContract('lambda x: x')).toThrow(ContractSyntaxError);
    expect(() => ev('a.x', {})).toThrow(ContractEvalError);
    expect(() => ev('open("f")', {})).toThrow(ContractEvalError);
  });

  it('computes integer arithmetic and comparisons as Python does', () => {
    const ops = ['+', '-', '*', '<', '>', '==', '!=', '<=', '>='];
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom(...ops),
        fc.integer({ min: -1000, max: 1000 }),
        (a, op, b) => {
          const js: Record<string, (x: number, y: number) => unknown> = {
            '+': (x, y) => x + y,
            '-': (x, y) => x - y,
            '*': (x, y) => x * y,
            '<': (x, y) => x < y,
            '>': (x, y) => x > y,
            '==': (x, y) => x === y,
            '!=': (x, y) => x !== y,
            '<=': (x, y) => x <= y,
            '>=': (x, y) => x >= y,
          };
          expect(ev(`${a} ${op} ${b}`)).toBe(js[op](a, b));
          expect(ev(`(${a}) // 7 * 7 + (${a}) % 7`)).toBe(a);
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });
});
