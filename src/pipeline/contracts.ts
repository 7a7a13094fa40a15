/**
 * Pipeline contracts: checked over the resolved configs when every label they name is a
 * TypeScript or command task; carried unchecked (for pipe_base) when they name a Python task.
 * A label's value is its config, plus `connections.<name>`: the dataset type of that connection.
 */
import { PipelineError } from '../errors.js';
import { ContractEvalError, evaluate, truthy } from './contract-eval.js';
import { ContractSyntaxError, namesIn, parseContract } from './contract-parse.js';
import type { ContractDecl } from './ir.js';
import { mentionsLabel } from './subset.js';
import type { Contract, PipelineTaskNode } from './types.js';

function scopeOf(t: PipelineTaskNode): Record<string, unknown> {
  const connections = Object.fromEntries(
    [...Object.entries(t.inputs), ...Object.entries(t.prerequisiteInputs), ...Object.entries(t.outputs)].map(
      ([n, c]) => [n, c.datasetType],
    ),
  );
  return { ...t.config, connections: { ...(t.config.connections as object | undefined), ...connections } };
}

export function checkContracts(decls: ContractDecl[], tasks: PipelineTaskNode[]): Contract[] {
  const python = tasks.filter((t) => t.kind === 'python').map((t) => t.label);
  const scope = Object.fromEntries(
    tasks.filter((t) => t.kind !== 'python').map((t) => [t.label, scopeOf(t)]),
  );
  return decls.map((d) => {
    const fail = (what: string): never => {
      throw new PipelineError('PIPELINE_CONTRACT', `contract "${d.contract}" ${what}`, {
        file: d.file,
        line: d.line,
        column: d.column,
      });
    };
    const carried: Contract = {
      contract: d.contract,
      msg: d.msg,
      checked: false,
      file: d.file,
      line: d.line,
      column: d.column,
    };
    let expr;
    try {
      expr = parseContract(d.contract);
    } catch (e) {
      if (!(e instanceof ContractSyntaxError)) throw e;
      if (python.some((l) => mentionsLabel(d, l))) return carried;
      return fail(
        `cannot be read: ${e.message} (quanta evaluates Python comparisons, and/or/not, arithmetic and attributes of task labels)`,
      );
    }
    if ([...namesIn(expr)].some((n) => python.includes(n))) return carried;
    let ok: unknown;
    try {
      ok = evaluate(expr, scope);
    } catch (e) {
      if (!(e instanceof ContractEvalError)) throw e;
      return fail(`cannot be evaluated: ${e.message}`);
    }
    if (!truthy(ok)) fail(`is not satisfied${d.msg ? `: ${d.msg}` : ''}`);
    return { ...carried, checked: true };
  });
}
