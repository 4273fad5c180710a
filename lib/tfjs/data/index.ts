// tf.data: tfjs's dataset sources and classes.
import { array, Dataset, func, generator, zip } from './dataset';
import { csv, CSVDataset } from './csv';

export const tfData = { array, csv, generator, func, zip, Dataset, CSVDataset };
export { array, csv, generator, func, zip, Dataset, CSVDataset };
export type { CSVConfig, ColumnConfig } from './csv';
export type { LazyIterator } from './iterators';
