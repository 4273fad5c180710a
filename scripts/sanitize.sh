#!/usr/bin/env bash
# npm run test:sanitize: the native engine under AddressSanitizer + UndefinedBehaviorSanitizer.
#  1. native/test/core_test (the C++ core, no Node) built with -fsanitize=address,undefined by plain
#     cmake (BLASNET_BUILD_TESTS, BLASNET_SANITIZE) and run, leak detection on.
#  2. The addon built the same way by cmake-js (a separate build dir, build-sanitize/addon), copied into
#     a staging copy of the package (build-sanitize/pkg: lib, test, dist, node_modules linked) so the
#     normal build/Release binary other processes use is left alone, and the native-facing test files
#     run there on the native engine with node started under LD_PRELOAD=libasan.so (node itself is not
#     instrumented; leak detection is off for it, as V8 keeps memory until exit by design).
# Any sanitizer report aborts the process (-fno-sanitize-recover=all, halt_on_error) and fails the script.
# Extra arguments replace the default list of test files.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/build-sanitize"
SAN=address,undefined
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OPENBLAS_L2_SIZE="${OPENBLAS_L2_SIZE:-512}"
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
start=$(date +%s)

echo "== core_test with -fsanitize=$SAN"
cmake -S . -B "$OUT/core" "${GEN[@]}" -DBLASNET_BUILD_TESTS=ON -DBLASNET_SANITIZE=$SAN -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$OUT/core" --target core_test
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$OUT/core/core_test"

echo "== the addon with -fsanitize=$SAN (cmake-js)"
npx cmake-js build --out "$OUT/addon" --CDBLASNET_SANITIZE=$SAN --log-level warn
test -f "$OUT/addon/Release/blasnet.node"

echo "== staging copy with the sanitized addon"
PKG="$OUT/pkg"
rm -rf "$PKG"
mkdir -p "$PKG/build/Release"
cp -r lib test package.json tsconfig.json vitest.config.mts "$PKG/"
[ -d dist ] || npm run build --silent
cp -r dist "$PKG/dist"
ln -s "$ROOT/node_modules" "$PKG/node_modules"
cp "$OUT/addon/Release/blasnet.node" "$PKG/build/Release/blasnet.node"

LIBASAN=$(gcc -print-file-name=libasan.so)
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
  FILES=(test/engine/native-binding.test.ts test/engine/native-agreement.test.ts test/engine/native-contract.test.ts
    test/engine/net.test.ts test/engine/gemm.test.ts test/engine/gradcheck.test.ts test/engine/optimizers.test.ts
    test/engine/agreement.test.ts test/engine/native-fuzz.test.ts test/validate/bad-input.test.ts
    test/engine/numeric.test.ts test/engine/concurrency.test.ts test/validate/property.test.ts)
fi
cd "$PKG"
# The binding the tests load must be the sanitized one, with ASan in the process.
LD_PRELOAD="$LIBASAN" ASAN_OPTIONS=detect_leaks=0 node -e "
  const f = require('node-gyp-build').resolve('.');
  const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
  require(f);
  if (!f.startsWith(process.cwd()) || !/libasan/.test(maps) || !/libubsan/.test(require('fs').readFileSync('/proc/self/maps', 'utf8'))) {
    console.error('not the sanitized addon: ' + f); process.exit(1);
  }
  console.log('loaded ' + f + ' with ASan and UBSan');"
echo "== vitest on the native engine under ASan/UBSan: ${FILES[*]}"
LD_PRELOAD="$LIBASAN" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allow_user_segv_handler=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
BLASNET_ENGINE=native BLASNET_REQUIRE_NATIVE=1 \
  node "$ROOT/node_modules/vitest/vitest.mjs" run "${FILES[@]}"
echo "== sanitizer run clean in $(( $(date +%s) - start )) s"
