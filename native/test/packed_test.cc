// Tests of the prepacked inference path (core/packed_kernel.h, core/infer.cc), linked into core_test:
// packed_gemm against the naive product on awkward shapes (every tile shape, partial panels, K blocks),
// each output row equal bit for bit to the same row multiplied alone, and Net::predict on that path
// against the OpenBLAS path of evaluate, independent of threads and row count, repacked when the
// weights change.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/gemm.h"
#include "core/layout.h"
#include "core/net.h"
#include "core/packed_kernel.h"
#include "test/check.h"

using namespace blasnet;

namespace {

std::mt19937 rng(777);
float urand(float lo, float hi) { return blasnet_test::uniform(rng, lo, hi); }

bool same_bits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

void test_packed_gemm() {
  const int Ms[] = {1, 3, 6, 7, 17};
  const int Ks[] = {1, 7, 33, 257, 784};
  const int Ns[] = {1, 7, 16, 17, 33, 255};
  double worst = 0;
  int shape = 0;
  for (int M : Ms)
    for (int K : Ks)
      for (int N : Ns) {
        const bool relu = shape % 2 == 1, with_bias = shape % 3 != 0;
        ++shape;
        const long lda = K + 3, ldy = N + 2;  // leading dimensions larger than needed, to catch ld mistakes
        std::vector<float> A((size_t)M * lda), W((size_t)K * N), b(N), Y((size_t)M * ldy, 42.0f);
        for (auto& v : A) v = urand(-1, 1);
        for (auto& v : W) v = urand(-1, 1);
        for (auto& v : b) v = urand(-1, 1);
        const float* bias = with_bias ? b.data() : nullptr;
        PackedKernel P;
        P.pack(K, N, W.data());
        packed_gemm(M, A.data(), lda, P, bias, relu, Y.data(), ldy);
        for (int i = 0; i < M; ++i) {
          for (int j = 0; j < N; ++j) {
            double s = bias ? b[j] : 0, mag = bias ? std::fabs(b[j]) : 0;
            for (int k = 0; k < K; ++k) {
              s += (double)A[(size_t)i * lda + k] * W[(size_t)k * N + j];
              mag += std::fabs((double)A[(size_t)i * lda + k] * W[(size_t)k * N + j]);
            }
            if (relu) s = s > 0 ? s : 0;
            const double err = std::fabs(Y[(size_t)i * ldy + j] - s);
            // The float summation bound: every rounding of the K + 1 additions at most 2^-24 of |terms|.
            CHECK(err <= (K + 2) * std::ldexp(mag, -24) + 1e-30, "packed %dx%dx%d [%d,%d]: %g vs %g", M, K, N, i, j,
                   Y[(size_t)i * ldy + j], s);
            worst = std::max(worst, err / std::max(mag, 1e-30));
          }
          for (long j = N; j < ldy; ++j) CHECK(Y[(size_t)i * ldy + j] == 42.0f, "packed %dx%dx%d wrote padding", M, K, N);
        }
        // A row's outputs do not depend on the rows beside it (tile shape, K blocking).
        std::vector<float> alone(N);
        for (int i = 0; i < M; ++i) {
          packed_gemm(1, A.data() + (size_t)i * lda, lda, P, bias, relu, alone.data(), N);
          CHECK(same_bits(alone.data(), Y.data() + (size_t)i * ldy, N), "packed %dx%dx%d row %d differs alone", M, K, N, i);
        }
      }
  std::printf("packed kernels vs naive: worst error %.3g of the sum of |terms| (%s)\n", worst,
              packed_level_name(packed_kernel_level()));
}

// The AVX-512 kernel against the AVX2 one on the same inputs: equal bits (same FMAs in the same order,
// bias and relu alike), on shapes around both kernels' tile rows, panel groups and K blocks, with
// padded leading dimensions (the masked stores must leave the padding alone). Runs on AVX-512 CPUs.
void test_packed_levels() {
  const PackedLevel best = packed_kernel_level();
  if (set_packed_kernel_level(PackedLevel::Avx512) != PackedLevel::Avx512) {
    set_packed_kernel_level(best);
    std::printf("packed avx512f vs avx2+fma: skipped (no AVX-512 here)\n");
    return;
  }
  const int Ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 47, 48, 49};
  const int Ks[] = {1, 3, 255, 256, 257, 784};
  const int Ns[] = {1, 10, 15, 16, 17, 33, 128, 256};
  int shape = 0, compared = 0;
  for (int M : Ms)
    for (int K : Ks)
      for (int N : Ns) {
        const bool relu = shape % 2 == 0, with_bias = shape % 3 != 2;
        ++shape;
        const long lda = K + 1, ldy = N + 5;
        std::vector<float> A((size_t)M * lda), W((size_t)K * N), b(N);
        for (auto& v : A) v = urand(-1, 1);
        for (auto& v : W) v = urand(-1, 1);
        for (auto& v : b) v = urand(-1, 1);
        if (shape % 5 == 0) {  // values whose relu is NaN, -0 or inf: each kernel maps them the same way
          A[0] = NAN;
          b[0] = -0.0f;
          A[(size_t)(M - 1) * lda] = INFINITY;
        }
        PackedKernel P;
        P.pack(K, N, W.data());
        std::vector<float> y512((size_t)M * ldy, 42.0f), y256(y512);
        const float* bias = with_bias ? b.data() : nullptr;
        set_packed_kernel_level(PackedLevel::Avx512);
        packed_gemm(M, A.data(), lda, P, bias, relu, y512.data(), ldy);
        set_packed_kernel_level(PackedLevel::Avx2);
        packed_gemm(M, A.data(), lda, P, bias, relu, y256.data(), ldy);
        CHECK(same_bits(y512.data(), y256.data(), y512.size()), "avx512f vs avx2 %dx%dx%d (relu %d, bias %d) differ", M,
              K, N, relu, with_bias);
        for (int i = 0; i < M; ++i)
          for (long j = N; j < ldy; ++j)
            CHECK(y512[(size_t)i * ldy + j] == 42.0f, "avx512f %dx%dx%d wrote padding", M, K, N);
        ++compared;
      }
  set_packed_kernel_level(best);
  std::printf("packed avx512f vs avx2+fma: %d shapes compared bit for bit\n", compared);
}

using blasnet_test::dense;
using blasnet_test::plain;

// Random weights, moving variances kept positive.
std::unique_ptr<Net> make_net(const NetSpec& s, std::vector<float>* params) {
  const std::vector<ParamTensor> layout = param_layout(s);
  params->resize(param_count(layout));
  for (auto& v : *params) v = urand(-0.4f, 0.4f);
  for (const ParamTensor& t : layout)
    if (t.name == TensorName::MovingVariance)
      for (long k = 0; k < t.size; ++k) (*params)[t.offset + k] += 0.6f;
  std::unique_ptr<Net> net;
  Status st = Net::create(s, params->data(), (long)params->size(), &net);
  CHECK(st.ok(), "create: %s", st.message.c_str());
  return net;
}

void test_packed_predict() {
  NetSpec s;
  s.input_dim = 33;
  s.layers = {dense(255, Act::Relu), plain(LayerKind::Dropout, 255), dense(7, Act::Tanh), plain(LayerKind::BatchNorm, 7),
              dense(33, Act::Elu, 1.0), plain(LayerKind::LayerNorm, 33), dense(17, Act::Softmax)};
  s.layers[1].rate = 0.5;
  s.loss.id = LossId::Cce;
  s.opt.id = OptId::Sgd;
  s.opt.lr = 0.05;
  std::vector<float> params;
  std::unique_ptr<Net> net = make_net(s, &params);
  if (!net) return;
  const long rows = 4097;
  const int od = net->output_dim();
  std::vector<float> x((size_t)rows * 33), y((size_t)rows * od, 1.0f / od), p1((size_t)rows * od), p2(p1.size()),
      ref(p1.size());
  for (auto& v : x) v = urand(-2, 2);
  const int threads = get_threads();
  set_threads(1);
  CHECK(net->predict(x.data(), rows, 33, 64, p1.data()).ok(), "predict, 1 thread");
  set_threads(2);
  CHECK(net->predict(x.data(), rows, 33, 4097, p2.data()).ok(), "predict, 2 threads");
  set_threads(threads);
  CHECK(same_bits(p1.data(), p2.data(), p1.size()), "predict depends on the threads or batch");
  for (long r : {0L, 5L, 4096L}) {
    std::vector<float> one(od);
    CHECK(net->predict(x.data() + r * 33, 1, 33, 1, one.data()).ok(), "predict one row");
    CHECK(same_bits(one.data(), p1.data() + r * od, od), "row %ld alone differs from its batch", r);
  }
  // evaluate still runs OpenBLAS's sgemm: the two paths agree to float rounding.
  EvalResult er;
  CHECK(net->evaluate(x.data(), rows, 33, y.data(), od, 256, nullptr, ref.data(), &er).ok(), "evaluate");
  double md = 0;
  for (size_t k = 0; k < ref.size(); ++k) md = std::max(md, (double)std::fabs(p1[k] - ref[k]));
  CHECK(md < 1e-6, "packed predict vs sgemm evaluate: max diff %g", md);
  // New weights, by set_params and by training, are repacked before the next predict.
  for (auto& v : params) v = -v;
  for (const ParamTensor& t : net->layout())
    if (t.name == TensorName::MovingVariance)
      for (long k = 0; k < t.size; ++k) params[t.offset + k] = std::fabs(params[t.offset + k]);
  CHECK(net->set_params(params.data(), (long)params.size()).ok(), "set_params");
  auto fresh_predict = [&](std::vector<float>* out) {
    std::unique_ptr<Net> twin;
    CHECK(Net::create(s, net->params().data(), net->param_count(), &twin).ok(), "twin");
    CHECK(twin->predict(x.data(), 50, 33, 50, out->data()).ok(), "twin predict");
  };
  std::vector<float> got((size_t)50 * od), want(got.size());
  CHECK(net->predict(x.data(), 50, 33, 50, got.data()).ok(), "predict after set_params");
  fresh_predict(&want);
  CHECK(same_bits(got.data(), want.data(), got.size()), "predict after set_params used the old packing");
  CHECK(!same_bits(got.data(), p1.data(), got.size()), "new weights gave the old predictions");
  std::vector<uint32_t> order(rows);
  for (long i = 0; i < rows; ++i) order[i] = (uint32_t)i;
  TrainResult tr;
  CHECK(net->train_batches(x.data(), rows, 33, y.data(), od, order.data(), 64, 32, nullptr, nullptr, nullptr, &tr).ok(),
         "train");
  CHECK(net->predict(x.data(), 50, 33, 50, got.data()).ok(), "predict after training");
  fresh_predict(&want);
  CHECK(same_bits(got.data(), want.data(), got.size()), "predict after training used the old packing");
  std::printf("packed predict vs sgemm evaluate (4097 rows, 7 layers): max abs diff %.3g\n", md);
}

}  // namespace

void run_packed_tests() {
  // The naive-product and predict checks at every level the CPU has, best first.
  const PackedLevel best = packed_kernel_level();
  for (PackedLevel level : {PackedLevel::Avx512, PackedLevel::Avx2, PackedLevel::Portable}) {
    if (level > best) continue;
    set_packed_kernel_level(level);
    test_packed_gemm();
    if (level != PackedLevel::Portable) test_packed_predict();  // else predict runs OpenBLAS, not these kernels
  }
  set_packed_kernel_level(best);
  test_packed_levels();
}
