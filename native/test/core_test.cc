// Tests of native/core without Node: GEMM against the naive loop for awkward shapes and every
// transpose, and a central finite-difference check of the gradients of small nets (every activation,
// every loss, the normalization and dropout layers). Built by CMake with -DBLASNET_BUILD_TESTS=ON;
// also the program the sanitizer build runs. Exit status 0 = all passed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/activations.h"
#include "core/gemm.h"
#include "core/layout.h"
#include "core/net.h"
#include "core/row_kernel.h"
#include "test/check.h"

using namespace blasnet;

void run_packed_tests();  // packed_test.cc

static std::mt19937 rng(12345);
static float urand(float lo, float hi) { return blasnet_test::uniform(rng, lo, hi); }

static void test_gemm() {
  const int shapes[][3] = {{1, 1, 1}, {7, 13, 5}, {1, 64, 33}, {200, 3, 17}, {3, 200, 9}, {65, 67, 129}, {5, 1, 300}};
  double worst = 0;
  for (auto& s : shapes) {
    const int M = s[0], N = s[1], K = s[2];
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        // Leading dimensions larger than needed, to catch ld mistakes.
        const int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
        std::vector<float> A((size_t)(ta ? K : M) * lda), B((size_t)(tb ? N : K) * ldb), C((size_t)M * ldc),
            C2((size_t)M * ldc);
        for (auto& v : A) v = urand(-1, 1);
        for (auto& v : B) v = urand(-1, 1);
        for (size_t i = 0; i < C.size(); ++i) C[i] = C2[i] = urand(-1, 1);
        gemm(ta, tb, M, N, K, 0.7f, A.data(), lda, B.data(), ldb, 0.3f, C.data(), ldc);
        gemm_naive(ta, tb, M, N, K, 0.7f, A.data(), lda, B.data(), ldb, 0.3f, C2.data(), ldc);
        double md = 0;
        for (int i = 0; i < M; ++i)
          for (int j = 0; j < N; ++j) md = std::max(md, (double)std::fabs(C[(size_t)i * ldc + j] - C2[(size_t)i * ldc + j]));
        // Padding columns must be untouched.
        for (int i = 0; i < M; ++i) CHECK(C[(size_t)i * ldc + N] == C2[(size_t)i * ldc + N], "gemm wrote padding");
        CHECK(md < 1e-4 * std::max(1, K / 8), "gemm %dx%dx%d ta=%d tb=%d max diff %g", M, N, K, ta, tb, md);
        worst = std::max(worst, md);
      }
  }
  std::printf("gemm vs naive: max abs diff %.3g\n", worst);
}

// The one-row kernel against the naive product (awkward K and N: tails of the 8-row groups and of
// the 8-wide columns), and its bias + linear/relu pass against act_forward bit for bit, NaN and -0 included.
static void test_row_kernel() {
  const int shapes[][2] = {{1, 1}, {7, 3}, {8, 8}, {9, 17}, {16, 1}, {33, 64}, {300, 10}, {784, 256}, {5, 1000}};
  double worst = 0;
  for (auto& s : shapes) {
    const int K = s[0], N = s[1];
    std::vector<float> x(K), W((size_t)K * N), y(N + 1, 42.0f), ref(N);
    for (auto& v : x) v = urand(-1, 1);
    for (auto& v : W) v = urand(-1, 1);
    row_times_kernel(K, N, x.data(), W.data(), y.data());
    gemm_naive(false, false, 1, N, K, 1.0f, x.data(), K, W.data(), N, 0.0f, ref.data(), N);
    double md = 0;
    for (int j = 0; j < N; ++j) md = std::max(md, (double)std::fabs(y[j] - ref[j]));
    CHECK(md < 1e-5 * std::max(1, K / 8), "row kernel %dx%d max diff %g", K, N, md);
    CHECK(y[N] == 42.0f, "row kernel wrote past y[%d]", N);
    worst = std::max(worst, md);
  }
  const float special[] = {NAN, -0.0f, 0.0f, -1e-30f, 1e-30f, INFINITY, -INFINITY, 3.5f, -2.25f, 1e38f};
  for (Act a : {Act::Linear, Act::Relu}) {
    for (int with_bias = 0; with_bias < 2; ++with_bias) {
      const int d = 37;
      std::vector<float> z(d), b(d), z1, z2, a1(d), a2(d);
      for (int j = 0; j < d; ++j) {
        z[j] = j < 10 ? special[j] : urand(-2, 2);
        b[j] = j >= 10 && j < 20 ? special[j - 10] : urand(-1, 1);
      }
      z1 = z;
      z2 = z;
      ActSpec act;
      act.id = a;
      const float* bias = with_bias ? b.data() : nullptr;
      CHECK(row_bias_act(act, d, z1.data(), bias, a1.data()), "row_bias_act refused linear/relu");
      act_forward(act, 1, d, z2.data(), bias, a2.data());
      for (int j = 0; j < d; ++j) {
        CHECK(std::memcmp(&z1[j], &z2[j], 4) == 0 || (std::isnan(z1[j]) && std::isnan(z2[j])), "row_bias_act Z[%d] %g vs %g", j, z1[j], z2[j]);
        CHECK(std::memcmp(&a1[j], &a2[j], 4) == 0 || (std::isnan(a1[j]) && std::isnan(a2[j])), "row_bias_act A[%d] %g vs %g (act %d)", j, a1[j], a2[j], (int)a);
      }
    }
  }
  // act_forward / act_backward's own linear and relu loops against the general formulas of SPEC.md
  // (double arithmetic rounded to float), bit for bit on special values.
  {
    const int n = 3, d = 11;
    std::vector<float> z(n * d), b(d), da(n * d);
    for (int k = 0; k < n * d; ++k) {
      z[k] = k < 10 ? special[k] : urand(-2, 2);
      da[k] = k >= 11 && k < 21 ? special[k - 11] : urand(-1, 1);
    }
    for (int j = 0; j < d; ++j) b[j] = urand(-1, 1);
    b[4] = NAN;
    for (Act a : {Act::Linear, Act::Relu}) {
      ActSpec act;
      act.id = a;
      std::vector<float> zf = z, af(n * d), dz(n * d);
      act_forward(act, n, d, zf.data(), b.data(), af.data());
      act_backward(act, n, d, zf.data(), af.data(), da.data(), dz.data());
      for (int k = 0; k < n * d; ++k) {
        const float zz = (float)((double)z[k] + (double)b[k % d]);
        const double ad = (double)zz;
        const float want_a = (float)(a == Act::Relu ? (ad > 0 ? ad : 0.0) : ad);
        const float want_dz = (float)((double)da[k] * (a == Act::Relu ? (ad > 0 ? 1.0 : 0.0) : 1.0));
        auto same = [](float p, float q) { return std::memcmp(&p, &q, 4) == 0 || (std::isnan(p) && std::isnan(q)); };
        CHECK(same(zf[k], zz), "act_forward Z[%d] %g vs %g", k, zf[k], zz);
        CHECK(same(af[k], want_a), "act_forward A[%d] %g vs %g (act %d)", k, af[k], want_a, (int)a);
        CHECK(same(dz[k], want_dz), "act_backward dZ[%d] %g vs %g (act %d)", k, dz[k], want_dz, (int)a);
      }
    }
  }
  ActSpec tanh_act;
  tanh_act.id = Act::Tanh;
  float z = 1, out = 0;
  CHECK(!row_bias_act(tanh_act, 1, &z, nullptr, &out) && out == 0, "row_bias_act took tanh");
  std::printf("row kernel vs naive: max abs diff %.3g\n", worst);
}

static OptSpec sgd() {
  OptSpec o;
  o.id = OptId::Sgd;
  o.lr = 0.01;
  return o;
}

using blasnet_test::dense;
using blasnet_test::plain;

// Central differences (step h on each param) vs compute_gradients; returns max |diff| / (1 + |g|).
static double grad_check(const NetSpec& spec, int n, const std::string& name) {
  const std::vector<ParamTensor> layout = param_layout(spec);
  const long P = param_count(layout);
  std::vector<float> params(P);
  for (auto& v : params) v = urand(-0.8f, 0.8f);
  // Moving variance must stay positive.
  for (const ParamTensor& t : layout)
    if (t.name == TensorName::MovingVariance)
      for (long j = 0; j < t.size; ++j) params[t.offset + j] = urand(0.5f, 1.5f);
  std::unique_ptr<Net> net;
  Status st = Net::create(spec, params.data(), P, &net);
  CHECK(st.ok(), "%s: create: %s", name.c_str(), st.message.c_str());
  if (!st.ok()) return 1e9;
  const int in = spec.input_dim, od = net->output_dim(), yc = net->label_dim();
  std::vector<float> x((size_t)n * in), y((size_t)n * yc), w(n);
  for (auto& v : x) v = urand(-1.5f, 1.5f);
  for (auto& v : w) v = urand(0.5f, 1.5f);
  for (int i = 0; i < n; ++i) {
    if (spec.loss.id == LossId::Scce) y[i] = (float)(i % od);
    else if (spec.loss.id == LossId::Cce) {
      for (int j = 0; j < od; ++j) y[(size_t)i * od + j] = j == i % od ? 1.0f : 0.0f;
    } else if (spec.loss.id == LossId::Bce) {
      for (int j = 0; j < od; ++j) y[(size_t)i * od + j] = urand(0, 1) < 0.5f ? 0.0f : 1.0f;
    } else {
      // MAE: labels away from the outputs so no difference crosses its kink at 0 within +-h.
      const float shift = spec.loss.id == LossId::Mae ? 4.0f : 0.0f;
      for (int j = 0; j < od; ++j) y[(size_t)i * od + j] = urand(-1, 1) + (j % 2 ? shift : -shift);
    }
  }
  std::vector<float> g(P), g2(P);
  double loss = 0, lp = 0, lm = 0;
  st = net->compute_gradients(x.data(), n, in, y.data(), yc, w.data(), &loss, g.data());
  CHECK(st.ok(), "%s: grads: %s", name.c_str(), st.message.c_str());
  double worst = 0;
  const float h = 1e-3f;
  for (long k = 0; k < P; ++k) {
    std::vector<float> p = params;
    p[k] = params[k] + h;
    net->set_params(p.data(), P);
    net->compute_gradients(x.data(), n, in, y.data(), yc, w.data(), &lp, g2.data());
    p[k] = params[k] - h;
    net->set_params(p.data(), P);
    net->compute_gradients(x.data(), n, in, y.data(), yc, w.data(), &lm, g2.data());
    // The step actually taken in float32.
    double fd = (lp - lm) / ((double)(params[k] + h) - (double)(params[k] - h));
    double d = std::fabs(fd - (double)g[k]) / (1.0 + std::fabs((double)g[k]));
    worst = std::max(worst, d);
  }
  return worst;
}

static void test_gradients() {
  const char* act_names[] = {"linear", "relu", "sigmoid", "tanh", "softmax", "leakyRelu", "elu",
                             "selu", "gelu", "swish", "softplus", "softsign", "hardSigmoid", "relu6"};
  const double tol = 5e-3;  // float32 forward with h = 1e-3
  double worst_all = 0;
  for (int a = 0; a < kActCount; ++a) {
    NetSpec s;
    s.input_dim = 4;
    s.layers = {dense(5, (Act)a, a == (int)Act::LeakyRelu ? 0.3 : 1.0), dense(3, Act::Linear)};
    s.loss.id = LossId::Mse;
    s.opt = sgd();
    double d = grad_check(s, 6, act_names[a]);
    std::printf("  %-12s %.3g\n", act_names[a], d);
    CHECK(d < tol, "activation %s: gradient rel diff %g", act_names[a], d);
    worst_all = std::max(worst_all, d);
  }
  struct LossCase {
    const char* name;
    LossId id;
    bool logits;
    Act last;
  };
  const LossCase losses[] = {{"mse", LossId::Mse, false, Act::Linear},
                             {"mae", LossId::Mae, false, Act::Linear},
                             {"huber", LossId::Huber, false, Act::Linear},
                             {"bce fused", LossId::Bce, false, Act::Sigmoid},
                             {"bce logits", LossId::Bce, true, Act::Linear},
                             {"bce plain", LossId::Bce, false, Act::HardSigmoid},
                             {"cce fused", LossId::Cce, false, Act::Softmax},
                             {"cce logits", LossId::Cce, true, Act::Linear},
                             {"cce plain", LossId::Cce, false, Act::Sigmoid},
                             {"scce fused", LossId::Scce, false, Act::Softmax},
                             {"scce logits", LossId::Scce, true, Act::Tanh}};
  for (const auto& c : losses) {
    NetSpec s;
    s.input_dim = 3;
    s.layers = {dense(4, Act::Tanh), dense(3, c.last)};
    s.loss.id = c.id;
    s.loss.from_logits = c.logits;
    s.loss.delta = 0.5;
    s.opt = sgd();
    double d = grad_check(s, 5, c.name);
    std::printf("  %-12s %.3g\n", c.name, d);
    CHECK(d < tol, "loss %s: gradient rel diff %g", c.name, d);
    worst_all = std::max(worst_all, d);
  }
  {
    NetSpec s;
    s.input_dim = 3;
    LayerSpec d1 = dense(4, Act::Linear);
    d1.kernel_l1 = 0.01;
    d1.kernel_l2 = 0.02;
    d1.bias_l2 = 0.03;
    LayerSpec drop = plain(LayerKind::Dropout, 4);
    drop.rate = 0.3;
    drop.seed = 7;
    s.layers = {d1, plain(LayerKind::BatchNorm, 4), plain(LayerKind::Activation, 4), drop,
                plain(LayerKind::LayerNorm, 4), dense(2, Act::Linear)};
    s.layers[2].act.id = Act::Elu;
    s.layers[2].act.alpha = 1.0;
    s.loss.id = LossId::Mse;
    s.opt = sgd();
    double d = grad_check(s, 7, "bn/ln/dropout/regularizers");
    std::printf("  bn/ln/dropout %.3g\n", d);
    CHECK(d < tol, "bn/ln/dropout: gradient rel diff %g", d);
    worst_all = std::max(worst_all, d);
  }
  std::printf("gradient check (float32, h=1e-3): max rel diff %.3g (tolerance %.0e)\n", worst_all, tol);
}

// Training lowers the loss; a bad row index and a bad sparse label give clean errors.
static void test_training_and_errors() {
  NetSpec s;
  s.input_dim = 10;
  s.layers = {dense(10, Act::Relu), dense(1, Act::Linear)};
  s.loss.id = LossId::Mse;
  s.opt.id = OptId::Adam;
  s.opt.lr = 0.01;
  std::vector<float> params(121);
  for (auto& v : params) v = urand(-0.5f, 0.5f);
  std::unique_ptr<Net> net;
  CHECK(Net::create(s, params.data(), 121, &net).ok(), "create");
  std::vector<float> x(1000), y(100);
  for (auto& v : x) v = urand(0, 1);
  for (int i = 0; i < 100; ++i) y[i] = x[i * 10] * 2 - x[i * 10 + 1];
  std::vector<uint32_t> order(100);
  for (int i = 0; i < 100; ++i) order[i] = i;
  TrainResult r;
  double first = 0, last = 0;
  for (int e = 0; e < 50; ++e) {
    Status st = net->train_batches(x.data(), 100, 10, y.data(), 1, order.data(), 100, 10, nullptr, nullptr, nullptr, &r);
    CHECK(st.ok(), "train: %s", st.message.c_str());
    if (e == 0) first = r.loss_sum / r.samples;
    last = r.loss_sum / r.samples;
  }
  CHECK(last < first * 0.5, "training did not lower the loss: %g -> %g", first, last);
  CHECK(net->optimizer_state()[0] == 500.0f, "iterations %g", net->optimizer_state()[0]);
  // Workspaces grown by a large predict first must not change what training computes.
  {
    std::unique_ptr<Net> a, b2;
    CHECK(Net::create(s, params.data(), 121, &a).ok() && Net::create(s, params.data(), 121, &b2).ok(), "create a/b");
    std::vector<float> out(100);
    CHECK(a->predict(x.data(), 100, 10, 100, out.data()).ok(), "predict");
    TrainResult ra, rb;
    a->train_batches(x.data(), 100, 10, y.data(), 1, order.data(), 100, 10, nullptr, nullptr, nullptr, &ra);
    b2->train_batches(x.data(), 100, 10, y.data(), 1, order.data(), 100, 10, nullptr, nullptr, nullptr, &rb);
    CHECK(a->params() == b2->params(), "training after a large predict differs");
    CHECK(ra.loss_sum == rb.loss_sum, "loss after a large predict differs");
  }
  order[57] = 100;
  Status st = net->train_batches(x.data(), 100, 10, y.data(), 1, order.data(), 100, 10, nullptr, nullptr, nullptr, &r);
  CHECK(st.code == Code::InvalidArg, "out-of-range row accepted");

  NetSpec c;
  c.input_dim = 2;
  c.layers = {dense(3, Act::Softmax)};
  c.loss.id = LossId::Scce;
  std::vector<float> p(9, 0.1f), cx(4, 0.5f), cy = {1.0f, 3.0f};
  CHECK(Net::create(c, p.data(), 9, &net).ok(), "create scce");
  EvalResult er;
  st = net->evaluate(cx.data(), 2, 2, cy.data(), 1, 2, nullptr, nullptr, &er);
  CHECK(st.code == Code::InvalidArg, "sparse label 3 of 3 classes accepted");
  cy[1] = 1.5f;
  st = net->evaluate(cx.data(), 2, 2, cy.data(), 1, 2, nullptr, nullptr, &er);
  CHECK(st.code == Code::InvalidArg, "sparse label 1.5 accepted");
  std::printf("training and error paths: loss %.4g -> %.4g\n", first, last);
}

// The optimizer update shared among threads (from 65,536 trained values on) gives the bits of the
// one-thread loop, for every optimizer. One input, so each product of the forward and backward
// GEMMs has a single order of its few terms whatever OpenBLAS's threads do.
static void test_threaded_update() {
  const int units = 70000, n = 4;
  std::vector<float> x(n), y((size_t)n * units), params(2 * (size_t)units);
  for (auto& v : x) v = urand(-1, 1);
  for (auto& v : y) v = urand(-1, 1);
  for (auto& v : params) v = urand(-0.5f, 0.5f);
  std::vector<uint32_t> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  for (OptId id : {OptId::Sgd, OptId::Adam, OptId::AdamW, OptId::RmsProp, OptId::Adagrad}) {
    NetSpec s;
    s.input_dim = 1;
    s.layers = {dense(units, Act::Linear)};
    s.loss.id = LossId::Mse;
    s.opt.id = id;
    s.opt.lr = 0.01;
    s.opt.momentum = id == OptId::Sgd ? 0.9 : 0;
    s.opt.amsgrad = id == OptId::Adam;
    std::vector<float> got[2], state[2];
    for (int threads = 1; threads <= 2; ++threads) {
      set_threads(threads);
      std::unique_ptr<Net> net;
      CHECK(Net::create(s, params.data(), (long)params.size(), &net).ok(), "create");
      TrainResult r;
      for (int e = 0; e < 3; ++e)
        CHECK(net->train_batches(x.data(), n, 1, y.data(), units, order.data(), n, 2, nullptr, nullptr, nullptr, &r).ok(),
              "train");
      got[threads - 1] = net->params();
      state[threads - 1] = net->optimizer_state();
    }
    set_threads(1);
    CHECK(got[0] != params, "optimizer %d changed nothing", (int)id);
    CHECK(got[0] == got[1] && state[0] == state[1], "optimizer %d: the threaded update differs", (int)id);
  }
  std::printf("threaded optimizer update: the one-thread bits for 5 optimizers\n");
}

int main() {
  set_threads(1);
  std::printf("%s (core %s)\n", blas_config().c_str(), blas_core().c_str());
  test_gemm();
  test_row_kernel();
  test_gradients();
  test_training_and_errors();
  test_threaded_update();
  run_packed_tests();
  if (blasnet_test::failures) {
    std::printf("%d failure(s)\n", blasnet_test::failures);
    return 1;
  }
  std::printf("all core tests passed\n");
  return 0;
}
