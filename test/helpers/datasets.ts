// Real datasets for tests: ../shared/data/ (the team's copy, with MNIST) first, else data/ (the small
// datasets the package ships: iris, digits8x8), so a clone without ../shared still runs the iris and
// digits tests. null when neither has the file (the test is skipped with a message).
import * as fs from 'node:fs';
import * as path from 'node:path';

const SHARED = path.resolve(__dirname, '../../../shared/data');
const SHIPPED = path.resolve(__dirname, '../../data');

export function dataset(name: string): string | null {
  for (const dir of [SHARED, SHIPPED]) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return f;
  }
  return null;
}
