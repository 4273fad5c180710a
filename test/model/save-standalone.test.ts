// model.save() needs no registration: a program that imports only the Sequential module (not the
// package entry) saves, and the files load back with the same weights.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/model/saving';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-save-standalone-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('model.save() with lib/model/sequential imported on its own', () => {
  it('writes model.json and its content-named shard that load back with the same weights', async () => {
    const script = `
      const { sequential } = require(${JSON.stringify(path.join(root, 'dist', 'model', 'sequential.js'))});
      const { Dense } = require(${JSON.stringify(path.join(root, 'dist', 'model', 'layers', 'index.js'))});
      const m = sequential({ layers: [new Dense({ units: 3, inputShape: [2] })] });
      m.save(process.argv[1]).then(
        () => { process.stdout.write(JSON.stringify(Array.from(m.getWeights()[0].dataSync()))); },
        (err) => { process.stderr.write(err.code + ': ' + err.message); process.exit(1); });
    `;
    const dir = path.join(tmp, 'model');
    const r = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8', env: { ...process.env, BLASNET_QUIET: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights-[0-9a-f]{16}\.bin$/);
    const loaded = await loadModel(dir);
    expect(Array.from(loaded.getWeights()[0]!.dataSync())).toEqual(JSON.parse(r.stdout));
    loaded.dispose();
  });
});
