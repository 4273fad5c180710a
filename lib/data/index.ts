// Data helpers: table reading, preprocessing, scaling, splitting, one-hot encoding.
import { minMaxScaler, standardScaler, scalerFromJSON, StandardScaler, MinMaxScaler } from './scalers';
import { oneHot, trainTestSplit } from './split';
import { readCsv, readCsvSync, parseCsv, readCsvBatches, tableFromRecords } from './csv';
import { Table } from './table/table';
import { kFold } from './folds';
import { preprocessor, Preprocessor } from './preprocess/preprocessor';
import { describe, formatReport } from './report';
import { prepareTraining } from './plan';

export const data = {
  standardScaler, minMaxScaler, scalerFromJSON, trainTestSplit, oneHot, readCsv, readCsvSync, parseCsv, readCsvBatches, tableFromRecords,
  StandardScaler, MinMaxScaler, Table, kFold, preprocessor, Preprocessor, describe, formatReport, prepareTraining,
};

export { minMaxScaler, standardScaler, scalerFromJSON, StandardScaler, MinMaxScaler, oneHot, trainTestSplit, readCsv, readCsvSync, parseCsv, readCsvBatches, tableFromRecords, Table, kFold, preprocessor, Preprocessor, describe, formatReport, prepareTraining };
export type { ColumnSummary } from './report';
export type { Fold, KFoldOptions } from './folds';
export type { TableSplit } from './split';
export type { PrepareOptions, PreparedTraining, PreparedPart } from './plan';
export type { PreprocessorOptions, TransformResult } from './preprocess/preprocessor';
export type { PreprocessorJSON } from './preprocess/json';
export type { RecordsInput, RecordRows, RecordAnswer, RecordsOptions } from './preprocess/records';
export type { Step, NumberStep, CategoryStep, BooleanStep, DropStep, StepOptions } from './preprocess/steps';
export type { StandardScalerJSON, MinMaxScalerJSON } from './scalers';
export type { TrainTestSplit, TrainTestSplitOptions } from './split';
export type { ReadCsvOptions, ReadBatchesOptions, ColumnSpec, TableSource } from './csv';
export type { Column, NumberColumn, CategoryColumn, ColumnKind } from './table/table';
export { toMatrix, toLabels, type MatrixLike, type LabelsLike } from './coerce';
