// Data helpers: scaling, splitting, one-hot encoding, CSV reading.
import { minMaxScaler, standardScaler, scalerFromJSON, StandardScaler, MinMaxScaler } from './scalers';
import { oneHot, trainTestSplit } from './split';
import { readCsv, parseCsv } from './csv';

export const data = { standardScaler, minMaxScaler, scalerFromJSON, trainTestSplit, oneHot, readCsv, parseCsv, StandardScaler, MinMaxScaler };

export { minMaxScaler, standardScaler, scalerFromJSON, StandardScaler, MinMaxScaler, oneHot, trainTestSplit, readCsv, parseCsv };
export type { StandardScalerJSON, MinMaxScalerJSON } from './scalers';
export type { TrainTestSplit, TrainTestSplitOptions } from './split';
export type { CsvData, ReadCsvOptions } from './csv';
export { toMatrix, toLabels, type MatrixLike, type LabelsLike } from './coerce';
