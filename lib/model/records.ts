// Raw records for a model: objects by column name go through the preprocessor saved with the model
// before the engine sees them, and predictions come back by class name. The preprocessor is parsed
// once per saved state, not per call.
import { BlasnetError } from '../errors';
import { Preprocessor } from '../data/preprocess/preprocessor';
import { isRecordArray, type RecordAnswer, type RecordsInput } from '../data/preprocess/records';
import { predict, type PredictArgs } from './evaluate';
import type { ModelTarget } from './target';

export type { RecordAnswer, RecordsInput } from '../data/preprocess/records';

/** The preprocessor of a model's metadata, parsed again only when the metadata's entry changes. */
export class SavedPreprocessor {
  private json: unknown = undefined;
  private pre: Preprocessor | null = null;

  of(metadata: Record<string, unknown> | null): Preprocessor | null {
    const j = metadata?.preprocessor;
    if (j === undefined || j === null) return null;
    if (j !== this.json) { this.pre = Preprocessor.fromJSON(j); this.json = j; }
    return this.pre;
  }
}

function noPreprocessor(model: string): BlasnetError {
  return new BlasnetError('ERR_INVALID_ARG',
    `Model ${model} has no preprocessor, so it cannot take records by column name: save it with ` +
    'model.save(dir, { preprocessor }) or call model.setPreprocessor(pre), or pass rows of numbers');
}

/** x as predict takes it: an array of records becomes the preprocessor's rows; anything else is left as it is. */
export function recordInputs(x: unknown, pre: Preprocessor | null, model: string): unknown {
  if (!isRecordArray(x)) return x;
  if (!pre) throw noPreprocessor(model);
  const r = pre.transformRecords(x);
  return { data: r.x, shape: [r.rows, r.width] };
}

/** Records (rows or columnar form) as the model's input matrix, through its preprocessor. */
export function recordMatrix(records: RecordsInput, pre: Preprocessor | null, model: string): { data: Float32Array; shape: [number, number] } {
  if (!pre) throw noPreprocessor(model);
  const r = pre.transformRecords(records);
  return { data: r.x, shape: [r.rows, r.width] };
}

/** Predictions for records, answered by the preprocessor: a class and its probabilities, or the values. */
export async function predictRecords(t: ModelTarget, pre: Preprocessor | null, records: RecordsInput, args: PredictArgs, model: string): Promise<RecordAnswer[]> {
  const out = await predict(t, recordMatrix(records, pre, model), args);
  try {
    return pre!.answers(out.dataSync(), out.shape[1]);
  } finally {
    out.dispose();
  }
}
