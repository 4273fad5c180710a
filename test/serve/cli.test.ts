// `blasnet serve` on the command line: --workers N on one port, metrics summed over the workers, a
// worker that dies replaced; the token from the environment; usage and file errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, post, startServe } from './child';
import { mlp, request, rows, tempDir, v2Body } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = tempDir('blasnet-serve-cli-');
  await mlp([4, 8, 3], 1).save(path.join(dir, 'repo', 'iris', '1'));
});
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const body = JSON.stringify(v2Body(rows(2, 4, 1)));

describe('blasnet serve', () => {
  it('--workers 2: two processes on one port, metrics summed, a dead worker replaced, SIGTERM exits 0', async () => {
    const s = await startServe([path.join(dir, 'repo'), '--port', '0', '--workers', '2']);
    try {
      const loaded = s.logs.filter((l) => l.msg === 'model version loaded and warmed');
      const pids = new Set(loaded.map((l) => l.pid));
      expect(pids.size).toBe(2);
      expect(s.logs.find((l) => l.process === 'primary')).toMatchObject({ workers: 2, threadsPerWorker: Math.max(1, Math.floor(os.availableParallelism() / 2)) });
      const replies = await Promise.all(Array.from({ length: 20 }, () => post(`${s.url}/v2/models/iris/infer`, body)));
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      // Any worker answers the scrape with the sum over both.
      const m = (await request(`${s.url}/metrics`)).text;
      expect(m).toMatch(/blasnet_requests_total\{model="iris",route="v2-infer",status="200"\} 20\b/);
      expect(m).toMatch(new RegExp(`blasnet_engine_info\\{engine="\\w+",blas_core="[^"]+",threads="${Math.max(1, Math.floor(os.availableParallelism() / 2))}"\\} 1`));
      // A worker killed outright is replaced and the port keeps answering.
      process.kill(Number([...pids][0]), 'SIGKILL');
      const t0 = Date.now();
      while (!s.logs.some((l) => l.msg === 'a worker died; starting another')) {
        if (Date.now() - t0 > 20_000) throw new Error('no replacement logged');
        await new Promise((r) => setTimeout(r, 20));
      }
      while (s.logs.filter((l) => l.msg === 'model version loaded and warmed').length < 3) {
        if (Date.now() - t0 > 30_000) throw new Error('the replacement did not load');
        await new Promise((r) => setTimeout(r, 20));
      }
      const after = await Promise.all(Array.from({ length: 10 }, () => post(`${s.url}/v2/models/iris/infer`, body)));
      expect(after.map((r) => r.status)).toEqual(Array(10).fill(200));
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
    expect(s.logs.filter((l) => l.msg === 'stopped').length).toBe(2);
  });

  it('takes the bearer token from BLASNET_SERVE_TOKEN', async () => {
    const s = await startServe([path.join(dir, 'repo', 'iris'), '--port', '0'], { BLASNET_SERVE_TOKEN: 'tok' });
    try {
      expect((await post(`${s.url}/v2/models/iris/infer`, body)).status).toBe(401);
      expect((await post(`${s.url}/v2/models/iris/infer`, body, { Authorization: 'Bearer tok' })).status).toBe(200);
      // The model name is the folder's: iris (its version folder 1 is served).
      expect(s.logs.find((l) => l.msg === 'listening')).toMatchObject({ models: [{ name: 'iris', version: '1' }] });
    } finally { s.child.kill('SIGTERM'); }
    expect(await s.exited).toBe(0);
  });

  it('a missing folder is exit 1, a bad flag exit 2, each with one line', () => {
    const missing = spawnSync(process.execPath, [CLI, 'serve', path.join(dir, 'nope'), '--port', '0'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^blasnet: No such model folder: .*nope\n/);
    const bad = spawnSync(process.execPath, [CLI, 'serve', dir, '--port', 'eighty'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port/);
    const broken = path.join(dir, 'broken');
    fs.mkdirSync(path.join(broken, '1'), { recursive: true });
    fs.writeFileSync(path.join(broken, '1', 'model.json'), '{}');
    const r = spawnSync(process.execPath, [CLI, 'serve', broken, '--port', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^blasnet: model broken: no version loads \(version 1: /);
  });
});
