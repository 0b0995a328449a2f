export {
  compileMapping,
  mergeMappingDocs,
  mergeRows,
  MappingError,
  type CompiledMapping,
  type MapContext,
} from './compile.js';
export { loadMappings, loadMappingFile, parseMappingYaml } from './load.js';
export { rowId, rowIdExtend, rowIdFrom, rowIdPrefix, canonicalKey } from './row-id.js';
export { TRANSFORMS, applyTransform, type TransformName } from './transforms.js';
export * as decimal from './decimal.js';
