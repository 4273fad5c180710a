'use strict';
// The data workload D1 in the runner: its file (bench/tables-data.js), whether pandas + scikit-learn
// can run, and its section of the report (rows/s, MB/s, peak RSS, ratios, the targets of issue 14).
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { writeTable } = require('./tables-data');

function writeData(dir, cfg, log) {
  const file = path.join(dir, 'd1-table.csv');
  log(`D1: writing a ${cfg.mb} MB synthetic table (10 numeric, 5 categorical columns, a yes/no label)`);
  const rows = writeTable(file, cfg.mb * 2 ** 20);
  return { path: file, rows, bytes: fs.statSync(file).size };
}

function sklearnAvailable(py) {
  if (!fs.existsSync(py)) return `${py} not found`;
  const r = spawnSync(py, ['-c', 'import pandas, sklearn'], { encoding: 'utf8', timeout: 60000 });
  return r.status === 0 ? null : `${py} cannot import pandas and sklearn (apt-get install python3-pandas python3-sklearn)`;
}

function reportLines(out, cfgs, h) {
  const { get, note, has, fmtS, fmtN, ratio, stats } = h;
  const peers = has('d1');
  if (!peers.length) return [];
  const median = (xs) => (xs && xs.length ? stats(xs).median : null);
  const rate = (p) => { const r = get(p, 'd1'); return r && (!r.check || r.check.ok) ? median(r.rates) : null; };
  const nat = rate('blasnet-native'), js = rate('blasnet-js');
  const lines = ['', `### D1 tables: read + preprocess + predict a ${fmtN(cfgs.d1.mb)} MB CSV (10 numeric, 5 categorical columns; ` +
    `impute, one-hot, standardize, MLP ${cfgs.d1.hidden} hidden units), streaming; fitted first on ${fmtN(cfgs.d1.sampleRows)} rows (untimed)`, '',
  '| peer | rows/s | MB/s | peak RSS MiB | native ÷ peer | js ÷ peer | notes |', '|---|---|---|---|---|---|---|'];
  for (const p of peers) {
    const r = get(p, 'd1'), v = rate(p);
    lines.push(`| ${p} | ${r ? fmtS(stats(r.rates)) : '-'} | ${r && r.mbPerS ? fmtN(median(r.mbPerS), 1) : '-'} | ${r ? fmtN(r.maxRssMB) : '-'} | ` +
      `${ratio(v && nat ? nat / v : null)} | ${ratio(v && js ? js / v : null)} | ${note(p, 'd1')} |`);
  }
  const py = rate('pandas-sklearn');
  const rss = get('blasnet-native', 'd1');
  lines.push('', `Targets (issue 14): native faster than pandas read_csv + the scikit-learn pipeline: ${nat && py ? `${ratio(nat / py)} (${nat > py ? 'yes' : '**no**'})` : 'n/a'}; ` +
    `native peak RSS under 200 MiB while streaming: ${rss ? `${fmtN(rss.maxRssMB)} MiB (${rss.maxRssMB < 200 ? 'yes' : '**no**'})` : 'n/a'}. ` +
    'pandas reads the whole file into memory, as read_csv does by default; blasnet streams batches of ' + `${fmtN(cfgs.d1.batchSize)} rows.`);
  return lines;
}

module.exports = { writeData, sklearnAvailable, reportLines };
