// Errors for people: one line on stderr naming the problem, exit 1 (files, data) or 2 (usage), no stack
// trace unless --verbose; --help for every command.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../lib/engine';
import { spawnSync } from 'node:child_process';
import { assertBuilt, cli, CLI, ROOT, tempDir } from '../helpers/cli';

const engine = getEngine().name;

describe(`blasnet CLI errors (${engine} engine)`, () => {
  let dir = '';
  let model = '';
  const csv = (name: string, text: string): string => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
  beforeAll(() => {
    assertBuilt();
    dir = tempDir('blasnet-cli-err-');
    model = path.join(dir, 'm');
    const train = csv('train.csv', 'a,b,y\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${i % 5},${i % 2}`).join('\n') + '\n');
    const r = cli(['train', train, '--label', 'y', '--epochs', '2', '--hidden', '4', '--out', model, '-q']);
    if (r.status !== 0) throw new Error(r.stderr);
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  /** One line on stderr, no stack frames. */
  function oneLine(stderr: string): string {
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return lines[0]!;
  }

  it('a missing data file', () => {
    const r = cli(['train', path.join(dir, 'nope.csv'), '--label', 'y']);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`blasnet: ${path.join(dir, 'nope.csv')}: no such file`);
    const p = cli(['predict', model, path.join(dir, 'nope.csv')]);
    expect(p.status).toBe(1);
    expect(oneLine(p.stderr)).toMatch(/nope\.csv: no such file$/);
  });

  it('an unknown label column lists the columns', () => {
    const f = csv('d.csv', 'a,b,y\n1,2,0\n3,4,1\n');
    const r = cli(['train', f, '--label', 'z']);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`blasnet: ${f}: no label column named "z"; the columns are: a, b, y`);
    // evaluate takes the label from the model: a file without it says so; another --label is a usage error.
    const nolabel = csv('nolabel.csv', 'a,b\n1,2\n');
    const e = cli(['evaluate', model, nolabel]);
    expect(e.status).toBe(1);
    expect(oneLine(e.stderr)).toBe(`blasnet: ${nolabel}: no label column named "y"; the columns are: a, b`);
    const other = cli(['evaluate', model, f, '--label', 'z']);
    expect(other.status).toBe(2);
    expect(oneLine(other.stderr)).toMatch(/the model was trained on the label "y", not "z"/);
  });

  it('a feature column the model needs is missing from the input', () => {
    const f = csv('missing.csv', 'a,q\n1,2\n');
    const r = cli(['predict', model, f]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`blasnet: ${f}: no column named "b"; the columns are: a, q`);
  });

  it('a non-numeric cell names its line and column', () => {
    // In training, a word among many distinct numbers is an error (a few distinct numbers would be read as categories).
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i * 1.5},${i % 2}`);
    rows[25] = '25,x7,1';
    const f = csv('bad.csv', 'a,b,y\n' + rows.join('\n') + '\n');
    const r = cli(['train', f, '--label', 'y']);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`blasnet: ${f}: line 27, column 2 (b): found "x7" in a column of numbers (25 rows before it, more than 20 distinct values); ` +
      'add it to the missing markers (missing option, --missing), or read the column as categories (types option, --categorical)');
    const p = cli(['predict', model, f]);
    expect(p.status).toBe(1);
    expect(p.stdout).toBe('');
    expect(oneLine(p.stderr)).toBe(`blasnet: ${f}: line 27, column 2 (b): expected a number but found "x7"`);
    // Missing cells are imputed as the model learned; a hexadecimal number is an error, not 16.
    const empty = csv('empty-cell.csv', 'a,b,y\n1,,0\n');
    expect(cli(['predict', model, empty]).status).toBe(0);
    const hex = csv('hex.csv', 'a,b\n1,0x10\n');
    const h = cli(['predict', model, hex]);
    expect(h.stdout).toBe('');
    expect(oneLine(h.stderr)).toBe(`blasnet: ${hex}: line 2, column 2 (b): expected a number but found "0x10" (a hexadecimal number: only decimal numbers are read)`);
    const ragged = csv('ragged.csv', 'a,b,y\n1,2,0\n1,2\n');
    expect(oneLine(cli(['predict', model, ragged]).stderr)).toBe(`blasnet: ${ragged}: line 3: expected 3 columns (as the header) but found 2`);
    const jl = csv('bad.jsonl', '{"a":1,"b":2}\n{"a":1,"b":"two"}\n');
    expect(oneLine(cli(['predict', model, jl]).stderr)).toBe(`blasnet: ${jl}: line 2, key "b": expected a number but found "two"`);
  });

  it('a label value the classifier does not know, in evaluate', () => {
    const f = csv('cls.csv', 'a,b,y\n1,2,0\n3,4,5\n');
    const r = cli(['evaluate', model, f]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`blasnet: ${f}: line 3, column 3 (y): class "5" does not occur in the training rows (classes: 0, 1)`);
  });

  it('a directory that is not a model, a missing one, a corrupt one', () => {
    const r = cli(['predict', dir, path.join(dir, 'train.csv')]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^blasnet: ${dir}: not a model directory \\(no model.json`));
    const m = cli(['summary', path.join(dir, 'nowhere')]);
    expect(m.status).toBe(1);
    expect(oneLine(m.stderr)).toBe(`blasnet: ${path.join(dir, 'nowhere')}: no such model directory`);
    const broken = path.join(dir, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'model.json'), '{"modelTopology": 3');
    const b = cli(['evaluate', broken, path.join(dir, 'train.csv'), '--label', 'y']);
    expect(b.status).toBe(1);
    expect(oneLine(b.stderr)).toMatch(/^blasnet: .*broken: not a valid model: .*not valid JSON/);
  });

  it('usage errors exit 2: unknown command or option, missing --label, bad numbers and choices', () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['train', 'x.csv'], /required option '--label <column>' not specified/],
      [['train', 'x.csv', '--label', 'y', '--epochs', 'ten'], /Expected an integer >= 1 in decimal digits for --epochs but received "ten"/],
      [['train', 'x.csv', '--label', 'y', '--validation-split', '1.5'], /Expected a number in \[0, 1\)/],
      [['train', 'x.csv', '--label', 'y', '--task', 'clustering'], /Allowed choices are classification, regression/],
      [['train', 'x.csv', '--label', 'y', '--hidden', '64,abc'], /Expected an integer >= 1 in decimal digits for --hidden \(layer widths like 64,32, or "none"\) but received "abc"/],
      [['predict', 'm'], /missing required argument 'input'/],
      [['predict', 'm', 'x.csv', '--format', 'xml'], /Allowed choices are csv, jsonl/],
      [['evaluate', 'm', 'x.csv', '--label', 'y', '--frob'], /unknown option '--frob'/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^blasnet: /);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // Option values the library rejects are usage errors too, with the valid names listed.
    const act = cli(['train', path.join(dir, 'train.csv'), '--label', 'y', '--activation', 'relux', '--out', path.join(dir, 'x')]);
    expect(act.status).toBe(2);
    expect(oneLine(act.stderr)).toMatch(/Unknown activation "relux".*expected one of: linear, relu/);
    const opt = cli(['train', path.join(dir, 'train.csv'), '--label', 'y', '--optimizer', 'adamm', '--out', path.join(dir, 'x')]);
    expect(opt.status).toBe(2);
    expect(oneLine(opt.stderr)).toBe('blasnet: unknown optimizer "adamm"; expected one of: sgd, adam, adamw, rmsprop, adagrad');
  });

  it('--verbose adds the stack trace', () => {
    const f = csv('bad2.csv', 'a,b\n1,zz\n');
    const r = cli(['predict', model, f, '--verbose']);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`blasnet: ${f}: line 2, column 2 (b): expected a number but found "zz"`);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('--help for every command, exit 0', () => {
    for (const c of ['demo', 'train', 'evaluate', 'predict', 'summary', 'info']) {
      const r = cli([c, '--help']);
      expect(r.status, c).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: blasnet ${c}`));
    }
    const top = cli(['--help']);
    expect(top.status).toBe(0);
    for (const c of ['demo', 'train', 'evaluate', 'predict', 'summary', 'info']) expect(top.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    expect(cli(['train', '--help']).stdout).toMatch(/--early-stopping <patience>/);
    expect(cli(['--version']).stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    // No command at all is a usage error that shows the help.
    const none = cli([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/Usage: blasnet/);
  });

  it.skipIf(process.platform === 'win32')('the package bin is dist/cli/main.js and runs by itself (shebang, executable bit)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(path.resolve(ROOT, pkg.bin.blasnet)).toBe(CLI);
    expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(CLI).mode & 0o111).not.toBe(0);
    const r = spawnSync(CLI, ['info'], { encoding: 'utf8', env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^blasnet \d+\.\d+\.\d+/);
  });
});
