// model.summary(): the Keras table of layers, output shapes and parameter counts.
import type { ParamSlot } from '../engine/types';
import type { Layer } from './layers';

export interface SummaryInput {
  name: string;
  layers: readonly Layer[];
  /** null before the model is built (output shapes show as '?'). */
  inputDim: number | null;
  slots: readonly ParamSlot[];
}

/** The table as Keras prints it; `positions` are column ends as fractions of lineLength (or absolute columns). */
export function summaryTable(m: SummaryInput, lineLength: number, positions: number[]): string {
  const cols = positions.map((p) => Math.floor(p <= 1 ? p * lineLength : p));
  const row = (cells: string[]): string => {
    let line = '';
    cells.forEach((c, i) => {
      line += c;
      const end = cols[i] ?? lineLength;
      line = line.length < end ? line.padEnd(end) : line.slice(0, Math.max(0, end - 1)) + ' ';
    });
    return line.trimEnd();
  };
  const lines: string[] = [];
  lines.push(`Model: "${m.name}"`);
  lines.push('_'.repeat(lineLength));
  lines.push(row(['Layer (type)', 'Output shape', 'Param #']));
  lines.push('='.repeat(lineLength));
  let d = m.inputDim;
  m.layers.forEach((l, i) => {
    if (d !== null) d = l.outputDim(d);
    const n = m.slots.filter((s) => s.layer === i).reduce((a, s) => a + s.size, 0);
    lines.push(row([`${l.name} (${l.getClassName()})`, d === null ? '?' : `[null,${d}]`, String(n)]));
    lines.push(i === m.layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  if (m.layers.length === 0) lines.push('='.repeat(lineLength));
  const total = m.slots.reduce((a, s) => a + s.size, 0);
  const trainable = m.slots.filter((s) => s.trainable).reduce((a, s) => a + s.size, 0);
  lines.push(`Total params: ${total}`);
  lines.push(`Trainable params: ${trainable}`);
  lines.push(`Non-trainable params: ${total - trainable}`);
  lines.push('_'.repeat(lineLength));
  return lines.join('\n');
}
