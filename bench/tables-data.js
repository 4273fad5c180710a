'use strict';
// The synthetic table of the data workload (D1): 10 numeric columns (2% empty cells), 5 categorical
// columns (3 to 100 categories, 1% empty) and a yes/no label that depends on both, written in blocks
// from a seeded generator until the file reaches the asked size. Every peer reads the same file.
const fs = require('fs');
const path = require('path');
// blasnet's own seeded generator (mulberry32), started at the seed itself as its state.
const { RandomStream } = require(path.join(__dirname, '..', 'dist', 'random.js'));

const CATS = [3, 8, 20, 40, 100].map((n, j) => Array.from({ length: n }, (_, k) => `${['red', 'city', 'plan', 'shop', 'item'][j]}_${k}`));
const HEADER = [...Array.from({ length: 10 }, (_, i) => `n${i}`), ...Array.from({ length: 5 }, (_, j) => `c${j}`), 'y'];

/** Writes about `bytes` bytes of the table to `file`; returns the row count. */
function writeTable(file, bytes, seed = 20261201) {
  const rnd = RandomStream.fromState(seed).next;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, HEADER.join(',') + '\n');
  let written = 0, rows = 0;
  const scales = [1, 10, 100, 1000, 0.01, 5, 50, 2, 20, 200];
  while (written < bytes) {
    let block = '';
    for (let r = 0; r < 4096; r++) {
      const cells = [];
      let score = 0;
      for (let i = 0; i < 10; i++) {
        const v = (rnd() * 2 - 1) * scales[i];
        if (i < 4) score += v / scales[i];
        cells.push(rnd() < 0.02 ? '' : v.toFixed(i % 3 === 0 ? 4 : 2));
      }
      for (let j = 0; j < 5; j++) {
        const k = Math.floor(rnd() * rnd() * CATS[j].length);
        if (j === 0) score += k - 1;
        cells.push(rnd() < 0.01 ? '' : CATS[j][k]);
      }
      cells.push(score + 0.3 * (rnd() - 0.5) > 0 ? 'yes' : 'no');
      block += cells.join(',') + '\n';
    }
    fs.writeSync(fd, block);
    written += Buffer.byteLength(block);
    rows += 4096;
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return rows;
}

module.exports = { writeTable, HEADER };

if (require.main === module) {
  const [file, mb] = process.argv.slice(2);
  console.log(`${writeTable(file, Number(mb) * 2 ** 20)} rows`);
}
