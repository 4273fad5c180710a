// Saving into a folder that holds other things changes nothing but the model's own files, whatever the
// path form ('.', 'file://.', 'model.json', relative, absolute, through a symlinked directory, a missing
// directory) and whichever way the save comes (model.save, modelCheckpoint, the CLI's --out). Each save
// runs in a real process whose working directory is the user's folder.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDescription } from '../../lib/io';
import { dist, ensureDist, MODEL_FILE, snapshot, userFolder } from './helpers';

const fixture = path.join(__dirname, '..', 'fixtures', 'io-save-model.js');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-folder-'));
  ensureDist();
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function child(cwd: string, args: string[]): void {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
}

const save = (cwd: string, target: string, tag: string) => child(cwd, [fixture, path.join(dist, 'index.js'), 'save', target, tag]);

/** Exactly model.json and the one shard it lists, holding the model saved last. */
function expectModel(dir: string, tag: string): void {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const shard = json.weightsManifest[0].paths[0] as string;
  expect(fs.readdirSync(dir).filter((n) => MODEL_FILE.test(n) || n.startsWith('.model.json') || n.endsWith('.tmp')).sort()).toEqual(['model.json', shard]);
  expect((loadDescription(dir).userDefinedMetadata as { tag: string }).tag).toBe(tag);
}

describe('save touches only what it writes', () => {
  it('every path form: the folder keeps its files, subfolders, symlink, modes; only one model is there', () => {
    const folder = path.join(tmp, 'work');
    userFolder(folder, path.join(tmp, 'elsewhere'));
    const before = snapshot(folder, (n) => MODEL_FILE.test(n));
    const forms = ['.', 'file://.', 'model.json', './model.json', 'file://model.json', `../${path.basename(folder)}`, folder, `file://${folder}/model.json`];
    forms.forEach((form, i) => {
      save(folder, form, `form${i}`);
      expectModel(folder, `form${i}`);
      expect(snapshot(folder, (n) => MODEL_FILE.test(n)), form).toEqual(before);
    });
  });

  it('a symlinked directory is written through and stays a symlink; a missing directory is created', () => {
    const folder = path.join(tmp, 'links');
    const real = path.join(tmp, 'real-models');
    userFolder(folder, path.join(tmp, 'elsewhere2'));
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'README'), 'models live here\n');
    fs.chmodSync(real, 0o750);
    fs.symlinkSync(real, path.join(folder, 'models'));
    const beforeFolder = snapshot(folder, (n) => MODEL_FILE.test(n));
    const beforeReal = snapshot(real, (n) => MODEL_FILE.test(n));
    for (const tag of ['link1', 'link2']) {
      save(folder, 'models', tag);
      expect(fs.lstatSync(path.join(folder, 'models')).isSymbolicLink()).toBe(true);
      expectModel(real, tag);
      expect(snapshot(real, (n) => MODEL_FILE.test(n))).toEqual(beforeReal);
      expect(snapshot(folder, (n) => MODEL_FILE.test(n))).toEqual(beforeFolder);
    }
    save(folder, 'new/deeper/model', 'created');
    expectModel(path.join(folder, 'new', 'deeper', 'model'), 'created');
  });

  it('modelCheckpoint and the CLI --out write into the working folder without removing anything', () => {
    const folder = path.join(tmp, 'cli');
    userFolder(folder, path.join(tmp, 'elsewhere3'));
    const rows = Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${(i % 3) / 3},${i % 2}`);
    fs.writeFileSync(path.join(folder, 'table.csv'), ['a,b,label', ...rows].join('\n') + '\n');
    const before = snapshot(folder, (n) => MODEL_FILE.test(n));
    child(folder, [fixture, path.join(dist, 'index.js'), 'checkpoint', '.', 'ckpt']);
    expectModel(folder, 'ckpt');
    expect(snapshot(folder, (n) => MODEL_FILE.test(n))).toEqual(before);
    child(folder, [path.join(dist, 'cli', 'main.js'), 'train', 'table.csv', '--label', 'label', '--epochs', '2', '--out', '.', '-q']);
    const json = JSON.parse(fs.readFileSync(path.join(folder, 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.blasnetCli.label).toBe('label');
    expect(fs.readdirSync(folder).filter((n) => MODEL_FILE.test(n)).sort()).toEqual(['model.json', json.weightsManifest[0].paths[0]]);
    expect(snapshot(folder, (n) => MODEL_FILE.test(n))).toEqual(before);
  });
});
