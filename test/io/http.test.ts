// loadLayersModel over http(s), as tfjs's: model.json and shards relative to it, validated like files,
// with shards confined to model.json's directory on the same server.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential, layers, setSeed } from '../../lib';
import { BlasnetError } from '../../lib/errors';
import { artifactsToModelJSON } from '../../lib/io';
import { loadLayersModel, toArtifacts } from '../../lib/model/saving';

let root: string;
let server: http.Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-io-http-'));
  server = http.createServer((req, res) => {
    requests.push(req.url!);
    const file = path.join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404).end(); return; }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(root, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok'; } catch (err) { expect(err).toBeInstanceOf(BlasnetError); return (err as BlasnetError).code; }
}

describe('loadLayersModel over http', () => {
  it('loads a model from a URL and predicts the same; refuses escaping paths, size mismatches and missing files', async () => {
    setSeed(4);
    const m = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 2 })] });
    const art = toArtifacts(m);
    const bin = new Uint8Array(art.weightData as ArrayBuffer);
    fs.mkdirSync(path.join(root, 'models', 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'models', 'a', 'w1.bin'), bin.subarray(0, 20));
    fs.writeFileSync(path.join(root, 'models', 'a', 'w2.bin'), bin.subarray(20));
    const json = artifactsToModelJSON(art, ['w1.bin', './w2.bin']);
    fs.writeFileSync(path.join(root, 'models', 'a', 'model.json'), JSON.stringify(json));
    const loaded = await loadLayersModel(`${base}/models/a/model.json`);
    const x = [[1, 2, 3], [-1, 0, 2]];
    expect(Array.from((await loaded.predict(x)).dataSync())).toEqual(Array.from((await m.predict(x)).dataSync()));
    loaded.dispose();

    const write = (name: string, paths: string[], extra?: Uint8Array) => {
      fs.mkdirSync(path.join(root, 'models', name), { recursive: true });
      fs.writeFileSync(path.join(root, 'models', name, 'model.json'), JSON.stringify(artifactsToModelJSON(art, paths)));
      fs.writeFileSync(path.join(root, 'models', name, 'weights.bin'), extra ?? bin);
    };
    fs.writeFileSync(path.join(root, 'secret.bin'), bin);
    for (const p of ['../../secret.bin', '/secret.bin', 'http://127.0.0.1:1/w.bin', '%2e%2e/%2e%2e/secret.bin', '//evil.example/w.bin']) {
      write('evil', [p]);
      requests.length = 0;
      expect(await code(loadLayersModel(`${base}/models/evil/model.json`)), p).toBe('ERR_FORMAT');
      expect(requests.some((r) => r.includes('secret')), p).toBe(false);
    }
    write('long', ['weights.bin'], new Uint8Array([...bin, 1, 2, 3, 4]));
    expect(await code(loadLayersModel(`${base}/models/long/model.json`))).toBe('ERR_FORMAT');
    write('short', ['weights.bin'], bin.subarray(0, bin.length - 4));
    expect(await code(loadLayersModel(`${base}/models/short/model.json`))).toBe('ERR_FORMAT');
    expect(await code(loadLayersModel(`${base}/models/none/model.json`))).toBe('ERR_IO');
    m.dispose();
  });
});
