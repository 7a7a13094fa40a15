/**
 * Cutting a pipeline down to some labels, as pipe_base's PipelineIR.subset_from_labels does (for
 * an import's include/exclude and for a `#a,b` selection): named subsets expand to their
 * labels; subsets that lose labels are dropped (DROP) or edited (EDIT); steps of dropped subsets
 * go; contracts that mention a removed label go.
 */
import { cloneIR, type ContractDecl, type PipelineIR, type SubsetMode } from './ir.js';

/** pipe_base's test: the label, not preceded by an identifier character, followed by a dot, on the first line. */
export function mentionsLabel(contract: ContractDecl, label: string): boolean {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^.*([^A-Za-z0-9_]|^)${escaped}[.]`).test(contract.contract);
}

/** Expand subset names in `names` to their labels (unknown names are kept as they are). */
export function expandSubsets(ir: PipelineIR, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    const s = ir.subsets.get(n);
    if (s) s.labels.forEach((l) => out.add(l));
    else out.add(n);
  }
  return out;
}

/** A copy of `ir` with only `labels` (task labels; subsets already expanded). */
export function subsetFromLabels(ir: PipelineIR, labels: Set<string>, mode: SubsetMode): PipelineIR {
  const out = cloneIR(ir);
  for (const label of ir.tasks.keys()) {
    if (labels.has(label)) continue;
    out.tasks.delete(label);
    out.contracts = out.contracts.filter((c) => !mentionsLabel(c, label));
  }
  for (const [name, s] of [...out.subsets]) {
    const missing = s.labels.filter((l) => !out.tasks.has(l));
    if (missing.length) {
      if (mode === 'DROP') out.subsets.delete(name);
      else s.labels = s.labels.filter((l) => out.tasks.has(l));
    } else if (mode === 'DROP' && s.labels.length === 0) {
      // pipe_base also drops subsets an earlier EDIT-mode import emptied
      out.subsets.delete(name);
    }
  }
  out.steps = out.steps.filter((s) => out.subsets.has(s.label));
  return out;
}
