#include "packed_kernel.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

// The AVX2 path needs GCC or Clang function targets and __builtin_cpu_supports (not MSVC, not Windows).
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(_WIN32)
#define BLASNET_PACKED_AVX2 1
#include <immintrin.h>
#endif

namespace blasnet {

void PackedKernel::pack(int K, int N, const float* W) {
  K_ = K;
  N_ = N;
  const size_t n = (size_t)panels() * K * kPanelWidth;
  storage_.assign(n + kPanelWidth, 0.0f);
  const uintptr_t base = reinterpret_cast<uintptr_t>(storage_.data());
  data_ = storage_.data() + ((64 - base % 64) % 64) / sizeof(float);
  for (int p = 0; p < panels(); ++p) {
    const int j0 = p * kPanelWidth, w = std::min(kPanelWidth, N - j0);
    float* dst = data_ + (long)p * K * kPanelWidth;
    for (int k = 0; k < K; ++k) std::memcpy(dst + (long)k * kPanelWidth, W + (long)k * N + j0, sizeof(float) * w);
  }
}

namespace {

// One tile: rows [A, A + mr*lda) times columns [0, cols) of the panels starting at B (panel q at
// B + q * panel_stride), over kc values of k. first: the accumulators start at zero, else from Y
// (the sums of the previous K blocks); last: bias and relu are applied before the store.
struct Tile {
  int kc;
  const float* A;
  long lda;
  const float* B;
  long panel_stride;
  float* Y;
  long ldy;
  int cols;
  bool first, last;
  const float* bias;  // at the tile's first column, or null
  bool relu;
};

// Portable path: the same order (per output, k ascending from zero), a multiply then an add.
void tile_generic(const Tile& t, int mr, int np) {
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < t.cols; ++j) {
      const float* b = t.B + (long)(j / kPanelWidth) * t.panel_stride + j % kPanelWidth;
      const float* a = t.A + (long)i * t.lda;
      float s = t.first ? 0.0f : t.Y[(long)i * t.ldy + j];
      for (int k = 0; k < t.kc; ++k) s += a[k] * b[(long)k * kPanelWidth];
      if (t.last) {
        if (t.bias) s += t.bias[j];
        if (t.relu) s = s > 0 ? s : 0.0f;
      }
      t.Y[(long)i * t.ldy + j] = s;
    }
}

#if defined(BLASNET_PACKED_AVX2)
// MR rows x NP panels, 2 * MR * NP accumulators (at most 12 of the 16 ymm registers, leaving room
// for the NP * 2 panel vectors and the broadcast row value).
template <int MR, int NP>
__attribute__((target("avx2,fma"))) void tile_avx2(const Tile& t) {
  constexpr int V = 2 * NP;
  const bool full = t.cols == kPanelWidth * NP;
  alignas(32) float tmp[MR][kPanelWidth * NP];  // a partial last panel goes through here, padded
  __m256 acc[MR][V];
  if (t.first) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_setzero_ps();
  } else {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const float* y = t.Y + (long)i * t.ldy;
      if (!full) {
        std::memset(tmp[i], 0, sizeof(tmp[i]));
        std::memcpy(tmp[i], y, sizeof(float) * t.cols);
        y = tmp[i];
      }
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_loadu_ps(y + 8 * v);
    }
  }
  const float* B = t.B;
  const long ps = t.panel_stride;
  const int kc = t.kc;
  for (int k = 0; k < kc; ++k) {
    __m256 b[V];
#pragma GCC unroll 8
    for (int q = 0; q < NP; ++q) {
      b[2 * q] = _mm256_load_ps(B + q * ps + (long)k * kPanelWidth);
      b[2 * q + 1] = _mm256_load_ps(B + q * ps + (long)k * kPanelWidth + 8);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 a = _mm256_broadcast_ss(t.A + (long)i * t.lda + k);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_fmadd_ps(a, b[v], acc[i][v]);
    }
  }
  if (t.last) {
    if (t.bias) {
      alignas(32) float bias[kPanelWidth * NP] = {};
      std::memcpy(bias, t.bias, sizeof(float) * t.cols);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        const __m256 bv = _mm256_load_ps(bias + 8 * v);
#pragma GCC unroll 8
        for (int i = 0; i < MR; ++i) acc[i][v] = _mm256_add_ps(acc[i][v], bv);
      }
    }
    if (t.relu) {
      // max(NaN or -0, 0) = +0: the second operand, as `z > 0 ? z : 0`.
      const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[i][v] = _mm256_max_ps(acc[i][v], zero);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    float* y = t.Y + (long)i * t.ldy;
    if (full) {
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) _mm256_storeu_ps(y + 8 * v, acc[i][v]);
    } else {
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) _mm256_store_ps(tmp[i] + 8 * v, acc[i][v]);
      std::memcpy(y, tmp[i], sizeof(float) * t.cols);
    }
  }
}

using TileFn = void (*)(const Tile&);
template <int MR>
constexpr TileFn row_of_tiles[4] = {tile_avx2<MR, 1>, tile_avx2<MR, 2>, tile_avx2<MR, 3>, tile_avx2<MR, 4>};
const TileFn* const kTiles[6] = {row_of_tiles<1>, row_of_tiles<2>, row_of_tiles<3>,
                                 row_of_tiles<4>, row_of_tiles<5>, row_of_tiles<6>};

bool has_avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}
#endif

// Panels per tile for a tile of mr rows: enough independent accumulators to hide the FMA latency
// when few rows share each panel load, within the 12 registers.
constexpr int kPanelsPerTile[7] = {0, 4, 3, 2, 1, 1, 1};
constexpr int kTileRows = 6;
// K block: a 256 x 16 slice of a panel (16 KB) stays in L1 while every row tile of the call uses it.
constexpr int kBlockK = 256;

void run_tile(const Tile& t, int mr, int np) {
#if defined(BLASNET_PACKED_AVX2)
  if (has_avx2_fma()) {
    kTiles[mr - 1][np - 1](t);
    return;
  }
#endif
  tile_generic(t, mr, np);
}

}  // namespace

void packed_gemm(int M, const float* A, long lda, const PackedKernel& W, const float* bias, bool relu, float* Y,
                 long ldy) {
  const int K = W.rows(), N = W.cols(), P = W.panels();
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        const float z = bias ? bias[j] : 0.0f;
        Y[(long)i * ldy + j] = relu ? (z > 0 ? z : 0.0f) : z;
      }
    return;
  }
  // Fewer rows than a tile reuse nothing across tiles: one K block, no partial sums through Y.
  const int blocks = M < kTileRows ? 1 : (K + kBlockK - 1) / kBlockK;
  const int kc_even = (K + blocks - 1) / blocks;
  const long ps = (long)K * kPanelWidth;
  const int full_rows = M - M % kTileRows, rest = M % kTileRows;
  for (int k0 = 0; k0 < K; k0 += kc_even) {
    Tile t;
    t.kc = std::min(kc_even, K - k0);
    t.first = k0 == 0;
    t.last = k0 + t.kc == K;
    t.panel_stride = ps;
    t.ldy = ldy;
    t.lda = lda;
    t.relu = relu;
    for (int p = 0; p < P; ++p) {
      t.B = W.panel(p) + (long)k0 * kPanelWidth;
      t.cols = std::min(kPanelWidth, N - p * kPanelWidth);
      t.bias = bias ? bias + p * kPanelWidth : nullptr;
      for (int i = 0; i < full_rows; i += kTileRows) {
        t.A = A + (long)i * lda + k0;
        t.Y = Y + (long)i * ldy + p * kPanelWidth;
        run_tile(t, kTileRows, 1);
      }
    }
    if (rest == 0) continue;
    for (int p = 0; p < P; p += kPanelsPerTile[rest]) {
      const int np = std::min(kPanelsPerTile[rest], P - p);
      t.B = W.panel(p) + (long)k0 * kPanelWidth;
      t.cols = std::min(kPanelWidth * np, N - p * kPanelWidth);
      t.bias = bias ? bias + p * kPanelWidth : nullptr;
      t.A = A + (long)full_rows * lda + k0;
      t.Y = Y + (long)full_rows * ldy + p * kPanelWidth;
      run_tile(t, rest, np);
    }
  }
}

bool packed_kernels_vectorized() {
#if defined(BLASNET_PACKED_AVX2)
  return has_avx2_fma();
#else
  return false;
#endif
}

}  // namespace blasnet
