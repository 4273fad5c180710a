// Keras-style progress output for fit(verbose). verbose 1 on a TTY: a bar redrawn from the engine's
// throttled onProgress (ETA and loss); elsewhere, and with verbose 2: one line per epoch.

export interface ProgressWriter {
  isTTY: boolean;
  write(s: string): void;
}

function fmtTime(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s)}s`;
}

/** Logs as Keras prints them: 'loss: 0.1234 - accuracy: 0.9500'. */
export function formatLogs(logs: Record<string, number>): string {
  return Object.entries(logs).map(([k, v]) => `${k}: ${formatValue(v)}`).join(' - ');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(4) : v.toFixed(4);
}

export class Progress {
  private epochStart = 0;
  private lastDraw = 0;
  private readonly bar: boolean;
  private readonly out: ProgressWriter;
  // A silent fit never reads process.stdout: its first read builds the stream (milliseconds of the
  // JavaScript thread, inside the fit).
  constructor(private readonly verbose: number, private readonly epochs: number, private readonly steps: number,
    out?: ProgressWriter) {
    this.out = out ?? (verbose === 0 ? { isTTY: false, write: () => undefined } : process.stdout as unknown as ProgressWriter);
    this.bar = verbose === 1 && this.out.isTTY === true;
  }

  epochBegin(epoch: number): void {
    this.epochStart = Date.now();
    if (this.verbose === 0) return;
    if (this.bar) this.out.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  /** From the engine's onProgress (already throttled to ~10/s). */
  update(batchesDone: number, lossSum: number, samplesDone: number): void {
    if (!this.bar) return;
    const now = Date.now();
    if (now - this.lastDraw < 50 && batchesDone < this.steps) return;
    this.lastDraw = now;
    const width = 30;
    const frac = Math.min(1, batchesDone / this.steps);
    const filled = Math.floor(frac * width);
    const bar = '━'.repeat(filled) + (filled < width ? '╸' : '') + ' '.repeat(Math.max(0, width - filled - 1));
    const elapsed = (now - this.epochStart) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const loss = samplesDone > 0 ? lossSum / samplesDone : NaN;
    const pad = String(this.steps).length;
    this.out.write(`\r${String(batchesDone).padStart(pad)}/${this.steps} ${bar} ETA: ${fmtTime(eta)} - loss: ${formatValue(loss)}\x1b[K`);
  }

  epochEnd(epoch: number, logs: Record<string, number>): void {
    if (this.verbose === 0) return;
    const secs = (Date.now() - this.epochStart) / 1000;
    const perStep = this.steps > 0 ? (secs * 1000) / this.steps : 0;
    const timing = `${secs < 1 ? `${Math.round(secs * 1000)}ms` : fmtTime(secs)} ${perStep < 1 ? `${Math.round(perStep * 1000)}us` : `${Math.round(perStep)}ms`}/step`;
    if (this.bar) {
      const bar = '━'.repeat(30);
      this.out.write(`\r${this.steps}/${this.steps} ${bar} ${timing} - ${formatLogs(logs)}\x1b[K\n`);
    } else {
      this.out.write(`Epoch ${epoch + 1}/${this.epochs} - ${timing} - ${formatLogs(logs)}\n`);
    }
  }
}
