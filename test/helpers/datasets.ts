// Real datasets for tests: the team's shared folder (../shared/data/ beside the repository in CI, or
// ../../shared/data, or /work/shared/data; it holds MNIST and credit_data.csv) first, else data/ (the small
// datasets the package ships: iris, digits8x8, loans), so a clone without shared data still runs the
// iris and digits tests. null when none has the file (the test is skipped with a message).
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = [path.resolve(ROOT, '../shared/data'), path.resolve(ROOT, '../../shared/data'), '/work/shared/data'];
const SHIPPED = path.resolve(ROOT, 'data');

export function dataset(name: string): string | null {
  for (const dir of [...SHARED, SHIPPED]) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return f;
  }
  return null;
}
