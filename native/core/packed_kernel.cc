#include "packed_kernel.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

// The SIMD paths need GCC or Clang function targets and __builtin_cpu_supports (not MSVC, not Windows).
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

// MR rows x NP panels, MR * NP accumulators of 16 floats (at most 24 of the 32 zmm registers, leaving
// room for the NP panel vectors and the broadcast row value). The same operations in the same order
// as tile_avx2, 16 lanes at a time: the same bits. A partial last panel is read and written through
// a lane mask.
// GCC 12 warns that _mm512_max_ps's internal _mm512_undefined_ps is uninitialized (it is by design).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <int MR, int NP>
__attribute__((target("avx512f"))) void tile_avx512(const Tile& t) {
  __mmask16 mask[NP];
#pragma GCC unroll 8
  for (int q = 0; q < NP; ++q) {
    const int w = t.cols - kPanelWidth * q;  // >= 1: a tile never ends on an empty panel
    mask[q] = w >= kPanelWidth ? (__mmask16)0xFFFF : (__mmask16)((1u << w) - 1);
  }
  __m512 acc[MR][NP];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int q = 0; q < NP; ++q)
      acc[i][q] = t.first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask[q], t.Y + (long)i * t.ldy + 16 * q);
  const float* B = t.B;
  const long ps = t.panel_stride;
  const int kc = t.kc;
  for (int k = 0; k < kc; ++k) {
    __m512 b[NP];
#pragma GCC unroll 8
    for (int q = 0; q < NP; ++q) b[q] = _mm512_load_ps(B + q * ps + (long)k * kPanelWidth);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(t.A[(long)i * t.lda + k]);
#pragma GCC unroll 8
      for (int q = 0; q < NP; ++q) acc[i][q] = _mm512_fmadd_ps(a, b[q], acc[i][q]);
    }
  }
  if (t.last) {
    if (t.bias) {
#pragma GCC unroll 8
      for (int q = 0; q < NP; ++q) {
        const __m512 bv = _mm512_maskz_loadu_ps(mask[q], t.bias + 16 * q);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) acc[i][q] = _mm512_add_ps(acc[i][q], bv);
      }
    }
    if (t.relu) {
      const __m512 zero = _mm512_setzero_ps();  // second operand, as in tile_avx2
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) acc[i][q] = _mm512_max_ps(acc[i][q], zero);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int q = 0; q < NP; ++q) _mm512_mask_storeu_ps(t.Y + (long)i * t.ldy + 16 * q, mask[q], acc[i][q]);
}
#pragma GCC diagnostic pop
#endif

using TileFn = void (*)(const Tile&);

// How packed_gemm cuts a product into tiles for one microkernel: full tiles of tile_rows rows, then
// tiles of the last M % tile_rows rows; panels[mr] panels per tile of mr rows (enough independent
// accumulators to hide the FMA latency when few rows share each panel load, within the registers);
// K in blocks of about block_k so that a tile's panel slices stay in L1 while every row tile uses them.
struct Blocking {
  int tile_rows;
  int block_k;
  int panels[13];
};
// AVX2: 6 x 16 or 1 x 64 tiles; a 256 x 16 panel slice is 16 KB.
constexpr Blocking kBlocking256 = {6, 256, {0, 4, 3, 2, 1, 1, 1}};
// AVX-512: 12 x 32 or 1 x 128 tiles; a 256 x 32 slice of two panels is 32 KB (of a 48 KB L1).
constexpr Blocking kBlocking512 = {12, 256, {0, 8, 8, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2}};

#if defined(BLASNET_PACKED_AVX2)
template <int MR>
constexpr TileFn kTiles256Row[4] = {tile_avx2<MR, 1>, tile_avx2<MR, 2>, tile_avx2<MR, 3>, tile_avx2<MR, 4>};
const TileFn* const kTiles256[6] = {kTiles256Row<1>, kTiles256Row<2>, kTiles256Row<3>,
                                    kTiles256Row<4>, kTiles256Row<5>, kTiles256Row<6>};

// Only the shapes kBlocking512 uses are compiled.
template <int MR, int NP>
constexpr TileFn tile_avx512_used() {
  if constexpr (NP <= kBlocking512.panels[MR]) return tile_avx512<MR, NP>;
  return nullptr;
}
template <int MR>
constexpr TileFn kTiles512Row[8] = {tile_avx512_used<MR, 1>(), tile_avx512_used<MR, 2>(), tile_avx512_used<MR, 3>(),
                                    tile_avx512_used<MR, 4>(), tile_avx512_used<MR, 5>(), tile_avx512_used<MR, 6>(),
                                    tile_avx512_used<MR, 7>(), tile_avx512_used<MR, 8>()};
const TileFn* const kTiles512[12] = {kTiles512Row<1>, kTiles512Row<2>, kTiles512Row<3>,  kTiles512Row<4>,
                                     kTiles512Row<5>, kTiles512Row<6>, kTiles512Row<7>,  kTiles512Row<8>,
                                     kTiles512Row<9>, kTiles512Row<10>, kTiles512Row<11>, kTiles512Row<12>};
#endif

PackedLevel best_level() {
#if defined(BLASNET_PACKED_AVX2)
  static const PackedLevel best = __builtin_cpu_supports("avx512f") ? PackedLevel::Avx512
                                  : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                      ? PackedLevel::Avx2
                                      : PackedLevel::Portable;
  return best;
#else
  return PackedLevel::Portable;
#endif
}

PackedLevel requested_level() {
  const char* env = std::getenv("BLASNET_PACKED_KERNEL");
  if (env && std::strcmp(env, "portable") == 0) return PackedLevel::Portable;
  if (env && std::strcmp(env, "avx2") == 0) return PackedLevel::Avx2;
  return PackedLevel::Avx512;
}

std::atomic<int> level_in_use{-1};  // -1: not chosen yet

}  // namespace

PackedLevel set_packed_kernel_level(PackedLevel level) {
  const PackedLevel l = std::min(level, best_level());
  level_in_use.store((int)l, std::memory_order_relaxed);
  return l;
}

PackedLevel packed_kernel_level() {
  const int l = level_in_use.load(std::memory_order_relaxed);
  return l >= 0 ? (PackedLevel)l : set_packed_kernel_level(requested_level());
}

const char* packed_level_name(PackedLevel level) {
  return level == PackedLevel::Avx512 ? "avx512f" : level == PackedLevel::Avx2 ? "avx2+fma" : "portable";
}

int packed_tile_rows() {
  return packed_kernel_level() == PackedLevel::Avx512 ? kBlocking512.tile_rows : kBlocking256.tile_rows;
}

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
  const PackedLevel level = packed_kernel_level();
  const Blocking& bl = level == PackedLevel::Avx512 ? kBlocking512 : kBlocking256;
  auto run_tile = [level](const Tile& t, int mr, int np) {
#if defined(BLASNET_PACKED_AVX2)
    if (level == PackedLevel::Avx512) return kTiles512[mr - 1][np - 1](t);
    if (level == PackedLevel::Avx2) return kTiles256[mr - 1][np - 1](t);
#endif
    tile_generic(t, mr, np);
  };
  // Fewer rows than a tile reuse nothing across tiles: one K block, no partial sums through Y.
  const int blocks = M < bl.tile_rows ? 1 : (K + bl.block_k - 1) / bl.block_k;
  const int kc_even = (K + blocks - 1) / blocks;
  const long ps = (long)K * kPanelWidth;
  const int full_rows = M - M % bl.tile_rows, rest = M % bl.tile_rows;
  for (int k0 = 0; k0 < K; k0 += kc_even) {
    Tile t;
    t.kc = std::min(kc_even, K - k0);
    t.first = k0 == 0;
    t.last = k0 + t.kc == K;
    t.panel_stride = ps;
    t.ldy = ldy;
    t.lda = lda;
    t.relu = relu;
    // Each group of panels (in L1) through every full row tile, then the last rows.
    for (int p = 0; p < P; p += bl.panels[bl.tile_rows]) {
      const int np = std::min(bl.panels[bl.tile_rows], P - p);
      t.B = W.panel(p) + (long)k0 * kPanelWidth;
      t.cols = std::min(kPanelWidth * np, N - p * kPanelWidth);
      t.bias = bias ? bias + p * kPanelWidth : nullptr;
      for (int i = 0; i < full_rows; i += bl.tile_rows) {
        t.A = A + (long)i * lda + k0;
        t.Y = Y + (long)i * ldy + p * kPanelWidth;
        run_tile(t, bl.tile_rows, np);
      }
    }
    if (rest == 0) continue;
    for (int p = 0; p < P; p += bl.panels[rest]) {
      const int np = std::min(bl.panels[rest], P - p);
      t.B = W.panel(p) + (long)k0 * kPanelWidth;
      t.cols = std::min(kPanelWidth * np, N - p * kPanelWidth);
      t.bias = bias ? bias + p * kPanelWidth : nullptr;
      t.A = A + (long)full_rows * lda + k0;
      t.Y = Y + (long)full_rows * ldy + p * kPanelWidth;
      run_tile(t, rest, np);
    }
  }
}

}  // namespace blasnet
