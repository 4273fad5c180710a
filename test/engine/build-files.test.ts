// binding.gyp (node-gyp, npm install, prebuilds) and CMakeLists.txt (cmake-js, the sanitizer build)
// compile the same sources with the same flags and defines.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const cmake = fs.readFileSync(path.join(ROOT, 'CMakeLists.txt'), 'utf8');
// binding.gyp is a Python literal: drop its comments to read it as JSON.
const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, ''));
const target = gyp.targets[0];

/** The words of a CMake `set(NAME ...)`. */
function cmakeList(name: string): string[] {
  const m = new RegExp(`set\\(${name}\\s+([^)]*)\\)`).exec(cmake);
  if (!m) throw new Error(`no set(${name} ...) in CMakeLists.txt`);
  return m[1]!.split(/\s+/).filter(Boolean);
}

describe('the two native build files', () => {
  it('list the same sources, every one of native/core and native/binding', () => {
    const fromCmake = [...cmakeList('BLASNET_CORE_SOURCES'), ...cmakeList('BLASNET_BINDING_SOURCES')].sort();
    expect([...target.sources].sort()).toEqual(fromCmake);
    const onDisk = ['core', 'binding'].flatMap((d) => fs.readdirSync(path.join(ROOT, 'native', d))
      .filter((f) => f.endsWith('.cc')).map((f) => `native/${d}/${f}`)).sort();
    expect(fromCmake).toEqual(onDisk);
  });

  it('compile with the same flags and defines', () => {
    const gypFlags = (target.cflags_cc as string[]).filter((f) => f !== '-std=c++17'); // CMAKE_CXX_STANDARD 17
    expect(gypFlags.sort()).toEqual(cmakeList('BLASNET_FLAGS').sort());
    expect(cmake).toMatch(/set\(CMAKE_CXX_STANDARD 17\)/);
    const m = /target_compile_definitions\(blasnet PRIVATE ([^)]*)\)/.exec(cmake);
    expect(m, 'the addon defines in CMakeLists.txt').not.toBeNull();
    expect([...target.defines].sort()).toEqual(m![1]!.split(/\s+/).filter(Boolean).sort());
  });
});
