/**
 * The map's in-memory report index. The code lives in `./index/` by concern: `columns.ts` (the one
 * list of per-slot columns), `record.ts`, `projection.ts`, `object-ids.ts`, `interner.ts`,
 * `bitmaps.ts`, `filter.ts`, `clustering.ts`, `reorder.ts` and the class in `report-index.ts`.
 */
export type { CellAggregate } from './index/clustering';
export { COLUMNS, type Columns, INDEX_PROJECTION } from './index/columns';
export type { CompiledFilter, FilterInput } from './index/filter';
export { latToY, lngToX, xToLng, yToLat } from './index/projection';
export type { IndexRecord } from './index/record';
export { ReportIndex } from './index/report-index';
