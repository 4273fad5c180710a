// blasnet tune: a hyper-parameter search on the job queue, with a live table of the trials.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Print } from './commands';
import { CliError } from './errors';
import { intOption, numberFromFlag } from './flags';
import { queueOptions, readJobFile, withQueue, type QueueFlags } from './queue-options';
import { tune, saveTuneResult, defaultObjective, trialScore, type Distribution, type Trial, type TuneResult } from '../jobs/tune';

function parseScalar(s: string): unknown {
  const t = s.trim();
  try { return JSON.parse(t); } catch { return t; }
}

function splitAssignment(v: string, flag: string): [string, string] {
  const at = v.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`Expected name=values for ${flag}, such as units=[16,32,64].`);
  return [v.slice(0, at).trim(), v.slice(at + 1).trim()];
}

/** "[16,32,64]", "[\"relu\",\"tanh\"]" or "relu,tanh": a list of values. */
export function parseList(text: string, name: string): unknown[] {
  let list: unknown;
  if (text.startsWith('[')) {
    try { list = JSON.parse(text); } catch {
      throw new InvalidArgumentError(`${name}: ${JSON.stringify(text)} is not a JSON list; write e.g. [16,32] or ["relu","tanh"].`);
    }
  } else {
    list = text.split(',').map(parseScalar);
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => v === '')) throw new InvalidArgumentError(`${name}: expected a list of values, such as [16,32,64].`);
  return list;
}

/** "log(1e-4,1e-1)", "uniform(0,0.5)", "int(16,128)", or a list. */
export function parseDistribution(text: string, name: string): Distribution | unknown[] {
  const m = /^(log|uniform|int)\(\s*([^,\s]+)\s*,\s*([^,\s)]+)\s*\)$/.exec(text);
  if (!m) {
    if (!/^[A-Za-z]+\(/.test(text) && (text.startsWith('[') || text.includes(','))) return parseList(text, name);
    throw new InvalidArgumentError(`${name}: expected log(min,max), uniform(min,max), int(min,max) or a list.`);
  }
  const [a, b] = [m[2], m[3]].map((bound) => numberFromFlag(bound!, `--random ${name} (its bounds)`));
  return { [m[1]!]: [a, b] } as Distribution;
}

function collect(parse: (text: string, name: string) => unknown, flag: string) {
  return (v: string, prev: Record<string, unknown> = {}): Record<string, unknown> => {
    const [k, text] = splitAssignment(v, flag);
    if (k in prev) throw new InvalidArgumentError(`${k} is given twice.`);
    return { ...prev, [k]: parse(text, k) };
  };
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function fmtScore(v: number | null): string {
  return v === null ? '-' : v.toFixed(4);
}

/** The trials as an aligned text table. */
export function trialTable(trials: readonly Trial[], objective: string | null): string[] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const head = ['trial', 'job', ...names, 'state', 'epochs', objective ?? 'score', 'time'];
  const rows = trials.map((t) => {
    const score = t.result && objective ? trialScore(t.result, objective) : null;
    const epochs = t.result ? String(t.result.epochs) : t.progress ? `${t.progress.epoch}/${t.progress.epochs}` : '-';
    return [
      t.index === 0 ? '0 (as written)' : String(t.index), t.jobId, ...names.map((n) => (n in t.params ? fmt(t.params[n]) : '-')),
      t.state, epochs, fmtScore(score), t.result ? `${(t.result.durationMs / 1000).toFixed(1)} s` : '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function bestLine(r: TuneResult): string {
  const b = r.best;
  if (!b) return 'No trial completed.';
  const params = Object.entries(b.params).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') || 'the job as written';
  return `Best: trial ${b.index} (job ${b.jobId}): ${params}: ${r.objective} ${fmtScore(b.score)}`;
}

/** Redraws the table in place on a terminal; elsewhere prints one line per finished trial. */
function liveDisplay(objectiveFlag: string | undefined, quiet: boolean): (trials: readonly Trial[]) => void {
  const tty = Boolean(process.stdout.isTTY) && !quiet;
  let shown = 0;
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  const reported = new Set<number>();
  let latest: readonly Trial[] = [];
  const draw = (): void => {
    timer = null;
    last = Date.now();
    const done = latest.find((t) => t.result);
    const lines = trialTable(latest, objectiveFlag ?? (done?.result ? defaultObjective(done.result) : null));
    process.stdout.write((shown > 0 ? `\x1b[${shown}A` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    shown = lines.length;
  };
  return (trials) => {
    latest = trials;
    if (tty) {
      if (!timer) timer = setTimeout(draw, Math.max(0, 200 - (Date.now() - last)));
      if (trials.every((t) => t.state === 'completed' || t.state === 'failed')) { if (timer) clearTimeout(timer); draw(); }
      return;
    }
    if (quiet) return;
    for (const t of trials) {
      if (reported.has(t.index) || (t.state !== 'completed' && t.state !== 'failed')) continue;
      reported.add(t.index);
      const params = Object.entries(t.params).map(([k, v]) => `${k}=${fmt(v)}`).join(' ') || '(as written)';
      const objective = objectiveFlag ?? (t.result ? defaultObjective(t.result) : 'score');
      process.stdout.write(t.result
        ? `trial ${t.index} (job ${t.jobId}) completed: ${params}: ${objective} ${fmtScore(trialScore(t.result, objective))}\n`
        : `trial ${t.index} (job ${t.jobId}) failed: ${params}: ${t.error}\n`);
    }
  };
}

export function registerTune(program: Command, print: Print): void {
  queueOptions(program.command('tune')
    .description('hyper-parameter search: one job per trial on the queue (a grid, or --trials random draws), a live table, the best model saved')
    .argument('<job.json>', 'the job description the trials vary')
    .option('--grid <name=values>', 'values to try, e.g. units=[16,32,64] or activation=relu,tanh (repeatable); names: units, hidden, activation, ' +
      'dropout, learningRate, optimizer, loss, epochs, batchSize, validationSplit, earlyStopping, seed, or a field path such as fit.batchSize',
    collect(parseList, '--grid'))
    .option('--random <name=dist>', 'with --trials: draw from log(min,max), uniform(min,max), int(min,max) or a list (repeatable)', collect(parseDistribution, '--random'))
    .addOption(intOption('--trials <n>', 'random search: this many trials (drawn from --grid and --random)', 1, 10_000))
    .addOption(intOption('--seed <n>', 'seed of the random draws (each trial trains with the job\'s own seed)', 0, 0xffffffff).default(1))
    .option('--objective <name>', 'validation score to rank on (default: val_accuracy for classifiers, val_loss for regressors)')
    .option('--baseline', 'also run the job as written (trial 0)')
    .addOption(intOption('--attempts <n>', 'runs allowed per trial when it fails for a reason that may pass', 1, 1000).default(3))
    .option('--out <dir>', 'where to save the best model and tune.json (every trial)', 'blasnet-tune')
    .option('--json', 'print the trials as JSON at the end'))
    .action(async (file: string, o: QueueFlags & {
      grid?: Record<string, unknown[]>; random?: Record<string, Distribution | unknown[]>; trials?: number; seed: number;
      objective?: string; baseline?: boolean; attempts: number; out: string; json?: boolean;
    }, cmd: Command) => {
      if (!o.grid && !o.random) throw new CliError('give the parameters to search with --grid name=[values] (or --random with --trials)', 2);
      if (o.random && o.trials === undefined) throw new CliError('--random needs --trials N', 2);
      if (o.objective !== undefined && !/^(val_)?[A-Za-z_]+$/.test(o.objective)) throw new CliError(`--objective ${o.objective}: expected a metric name such as val_accuracy`, 2);
      const quiet = Boolean(cmd.optsWithGlobals().quiet);
      const { description, baseDir } = readJobFile(file);
      await withQueue(o, async (q) => {
        const r = await tune(q, description, {
          grid: o.grid, random: o.random, trials: o.trials, seed: o.seed, baseline: o.baseline, objective: o.objective,
          submit: { attempts: o.attempts, baseDir }, onUpdate: liveDisplay(o.objective, quiet || Boolean(o.json)),
        });
        if (o.json) {
          print(JSON.stringify({
            objective: r.objective, maximize: r.maximize, notes: r.notes, best: r.best ? { index: r.best.index, jobId: r.best.jobId, params: r.best.params, score: r.best.score } : null,
            trials: r.trials.map((t) => ({ index: t.index, jobId: t.jobId, params: t.params, state: t.state, score: t.score, error: t.error, scores: t.result?.scores ?? null })),
          }, null, 1));
        } else {
          if (!process.stdout.isTTY || quiet) for (const l of trialTable(r.trials, r.objective)) print(l);
          for (const n of r.notes) print(`Note: ${n}`);
          print(bestLine(r));
        }
        if (r.best) {
          await saveTuneResult(r, o.out);
          if (!o.json) print(`Saved the best model to ${o.out}/ and every trial to ${o.out}/tune.json`);
        }
        const failed = r.trials.filter((t) => t.state === 'failed').length;
        if (!r.best) throw new CliError(`all ${r.trials.length} trials failed; the first: ${r.trials[0]?.error ?? 'unknown'}`);
        if (failed > 0) process.stderr.write(`blasnet: ${failed} of ${r.trials.length} trials failed\n`);
      });
    });
}
