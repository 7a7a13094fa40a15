/** The dataQuery expression language (Butler user-expression syntax): parse, check, compile. */
export type * from './ast.js';
export { printExpression } from './ast.js';
export { parseExpression, sourceOf } from './parser.js';
export { checkExpression, analyseExpression } from './check.js';
export type {
  Analysis,
  Bind,
  BindValue,
  CheckOptions,
  SpatialConstraint,
  TimespanValue,
  ValueType,
} from './check.js';
export { compileWhere } from './compile.js';
export type { CompileContext, CompiledWhere } from './compile.js';
export { parseTimeLiteral } from './time.js';
export { queryElements } from './resolve.js';
