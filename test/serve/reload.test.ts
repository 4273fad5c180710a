// Hot reload under traffic: a new version folder is loaded, warmed and swapped in while requests keep
// coming, and none fails; a broken version is logged and the served one stays; a fixed one loads; a new
// model folder in the repository is picked up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, serve } from '../../lib/index';
import { close, direct, mlp, request, rows, tempDir, v2Body } from './helpers';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

/** Saves a version the way a deploy should: written beside, then renamed into place. */
async function deploy(modelDir: string, version: number, seed: number): Promise<void> {
  const tmp = path.join(modelDir, `.incoming-${version}`);
  await mlp([5, 12, 3], seed).save(tmp);
  fs.renameSync(tmp, path.join(modelDir, String(version)));
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('serve: hot reload', () => {
  it('swaps in new versions under traffic without a failed request; a broken version leaves the served one', async () => {
    const repo = tempDir('blasnet-serve-reload-');
    dirs.push(repo);
    const modelDir = path.join(repo, 'm');
    fs.mkdirSync(modelDir);
    await deploy(modelDir, 1, 1);
    const logs: Record<string, unknown>[] = [];
    const server = await serve({ models: repo, port: 0, log: (e) => logs.push(e), pollIntervalMs: 30 });
    const x = rows(2, 5, 9);
    const want: Record<string, Float32Array> = { 1: await direct(await loadModel(path.join(modelDir, '1')), x) };
    const seen: { status: number; version?: string; data?: number[] }[] = [];
    let stop = false;
    const traffic = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await request(`${server.url}/v2/models/m/infer`, { body: v2Body(x) });
        seen.push({ status: r.status, version: r.body?.model_version, data: r.body?.outputs?.[0]?.data });
      }
    });
    const served = () => seen.length > 0 && seen[seen.length - 1]!.version;
    try {
      await until('traffic', () => seen.length > 20);
      await deploy(modelDir, 2, 2);
      want[2] = await direct(await loadModel(path.join(modelDir, '2')), x);
      await until('version 2 to be served', () => served() === '2');
      const at2 = seen.length;
      await until('traffic on version 2', () => seen.length > at2 + 20);

      // A broken version 3: logged, reported as failed, version 2 keeps serving.
      fs.mkdirSync(path.join(modelDir, '3'));
      fs.writeFileSync(path.join(modelDir, '3', 'model.json'), '{"modelTopology": {"class_name": "Sequential"');
      await until('the failure to be logged', () => logs.some((l) => l.level === 'error' && l.version === '3'));
      const status = (await request(`${server.url}/v1/models/m`)).body.model_version_status;
      expect(status[0]).toMatchObject({ version: '2', state: 'AVAILABLE' });
      expect(status[1]).toMatchObject({ version: '3', state: 'END', status: { error_code: 'UNKNOWN' } });
      const at3 = seen.length;
      await until('traffic after the broken version', () => seen.length > at3 + 20);
      expect(served()).toBe('2');

      // Fixed in place: its files changed, so it is tried again, and loads.
      fs.rmSync(path.join(modelDir, '3'), { recursive: true });
      await deploy(modelDir, 3, 3);
      want[3] = await direct(await loadModel(path.join(modelDir, '3')), x);
      await until('version 3 to be served', () => served() === '3');
      const at4 = seen.length;
      await until('traffic on version 3', () => seen.length > at4 + 10);
    } finally {
      stop = true;
      await Promise.all(traffic);
    }
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    // Every answer is that of the version it names, and versions only go forward.
    let last = 1;
    for (const s of seen) {
      expect(close(s.data!, want[s.version!]!, 1e-5)).toBe(true);
      expect(Number(s.version)).toBeGreaterThanOrEqual(last);
      last = Number(s.version);
    }
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set(['1', '2', '3']));
    const m = (await request(`${server.url}/metrics`)).text;
    expect(m).toMatch(/blasnet_model_version_loads_total\{model="m",outcome="failed"\} 1/);
    expect(m).toMatch(/blasnet_model_version_loads_total\{model="m",outcome="loaded"\} 3/);
    expect((await server.close()).drained).toBe(true);
  });

  it('reload() picks up a new version and a new model folder at once when polling is off', async () => {
    const repo = tempDir('blasnet-serve-reload2-');
    dirs.push(repo);
    fs.mkdirSync(path.join(repo, 'a'));
    await deploy(path.join(repo, 'a'), 1, 1);
    const server = await serve({ models: repo, port: 0, log: false, pollIntervalMs: 0 });
    try {
      expect((await request(`${server.url}/v2/models/b`)).status).toBe(404);
      await deploy(path.join(repo, 'a'), 5, 5);
      fs.mkdirSync(path.join(repo, 'b'));
      await deploy(path.join(repo, 'b'), 1, 6);
      await server.reload();
      expect(server.models().map((m) => [m.name, m.version])).toEqual([['a', '5'], ['b', '1']]);
      const r = await request(`${server.url}/v2/models/b/infer`, { body: v2Body(rows(1, 5, 1)) });
      expect(r).toMatchObject({ status: 200, body: { model_name: 'b', model_version: '1' } });
    } finally {
      await server.close();
    }
  });

  it('at start, a broken newest version falls back to the newest that loads; none loading is an error', async () => {
    const repo = tempDir('blasnet-serve-reload3-');
    dirs.push(repo);
    const m = path.join(repo, 'm');
    fs.mkdirSync(m);
    await deploy(m, 1, 1);
    fs.mkdirSync(path.join(m, '2'));
    fs.writeFileSync(path.join(m, '2', 'model.json'), 'not json');
    const server = await serve({ models: m, port: 0, log: false, pollIntervalMs: 0 });
    try {
      expect(server.models()[0]!.version).toBe('1');
    } finally { await server.close(); }
    fs.rmSync(path.join(m, '1'), { recursive: true });
    await expect(serve({ models: m, port: 0, log: false })).rejects.toMatchObject({
      code: 'ERR_FORMAT', message: expect.stringMatching(/model m: no version loads \(version 2: /),
    });
  });
});
