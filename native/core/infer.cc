// The prepacked inference path of Net::predict (CPUs with AVX2+FMA or AVX-512): the dense kernels packed once
// per set of weights (packed_kernel.h), the input's rows cut into chunks that threads take in turn,
// and each chunk carried through every layer while it is in that thread's cache, the bias and relu
// applied in the kernel's store and other activations (softmax included) right after it on the
// chunk. No thread waits between layers, and every output row depends only on its input row.
#include <algorithm>
#include <cstring>

#include "activations.h"
#include "gemm.h"
#include "layers.h"
#include "net.h"
#include "packed_kernel.h"
#include "parallel.h"

namespace blasnet {

namespace {
// Rows per chunk: a multiple of the 6- and 12-row tiles; 48 input rows of 784 floats (150 KB) and the two
// layer outputs stay in L2 beside the packed weights.
constexpr long kChunkRows = 48;
// Below this many multiply-adds a second thread costs more to wake than it saves.
constexpr double kParallelMacs = 1 << 20;
}  // namespace

struct Net::InferState {
  std::vector<PackedKernel> kernels;  // one per layer; dense layers only
  struct Workspace {
    std::vector<float> ping, pong, xhat, rstd;
  };
  std::vector<Workspace> workspaces;  // one per thread
};

Net::Net() = default;
Net::~Net() = default;

bool Net::packed_inference() { return packed_kernels_vectorized(); }

Status Net::predict_packed(const float* x, long rows, float* out) {
  return catch_all([&]() -> Status {
    if (!infer_) infer_.reset(new InferState());
    InferState& s = *infer_;
    if (packed_stale_) {
      s.kernels.resize(spec_.layers.size());
      for (size_t l = 0; l < spec_.layers.size(); ++l) {
        const LayerSpec& layer = spec_.layers[l];
        if (layer.kind == LayerKind::Dense)
          s.kernels[l].pack(layer.in_dim, layer.out_dim, param(layer_params_[l].kernel));
      }
      packed_stale_ = false;
    }
    double macs_per_row = 0;
    int width = 1;
    bool layer_norm = false;
    for (const LayerSpec& layer : spec_.layers) {
      macs_per_row += layer.kind == LayerKind::Dense ? (double)layer.in_dim * layer.out_dim : layer.out_dim;
      width = std::max(width, layer.out_dim);
      layer_norm = layer_norm || layer.kind == LayerKind::LayerNorm;
    }
    int threads = macs_per_row * (double)rows < kParallelMacs ? 1 : std::max(1, get_threads());
    // Chunks small enough that every thread gets some, in whole tiles.
    const long share = (rows + threads - 1) / threads, tile = packed_tile_rows();
    const long chunk = std::min(kChunkRows, std::max(tile, (share + tile - 1) / tile * tile));
    const long tasks = (rows + chunk - 1) / chunk;
    threads = (int)std::min<long>(threads, tasks);
    if ((int)s.workspaces.size() < threads) s.workspaces.resize(threads);
    for (int w = 0; w < threads; ++w) {
      InferState::Workspace& ws = s.workspaces[w];
      const size_t size = (size_t)kChunkRows * width;
      if (ws.ping.size() < size) {
        ws.ping.assign(size, 0.0f);
        ws.pong.assign(size, 0.0f);
      }
      if (layer_norm && ws.xhat.size() < size) {
        ws.xhat.assign(size, 0.0f);
        ws.rstd.assign(kChunkRows, 0.0f);
      }
    }
    const int in_dim = spec_.input_dim, od = output_dim_;
    run_tasks(threads, (int)tasks, [&](int worker, int t) {
      const long start = (long)t * chunk;
      infer_rows(worker, x + start * in_dim, (int)std::min(chunk, rows - start), out + start * od);
    });
    return Status::Ok();
  });
}

// n <= kChunkRows rows of x through every layer into out[n, outputDim], in worker's workspace.
void Net::infer_rows(int worker, const float* x, int n, float* out) const {
  InferState::Workspace& ws = infer_->workspaces[worker];
  const float* in = x;
  long ld_in = spec_.input_dim;
  bool ping = true;
  const size_t last = spec_.layers.size() - 1;
  for (size_t l = 0; l <= last; ++l) {
    const LayerSpec& layer = spec_.layers[l];
    const LayerParams& p = layer_params_[l];
    const int d = layer.out_dim;
    float* dst = l == last ? out : (ping ? ws.ping.data() : ws.pong.data());
    switch (layer.kind) {
      case LayerKind::Dense: {
        const bool fused = layer.act.id == Act::Relu || layer.act.id == Act::Linear;
        packed_gemm(n, in, ld_in, infer_->kernels[l], param(p.bias), layer.act.id == Act::Relu, dst, d);
        if (!fused) act_forward_nobias(layer.act, n, d, dst, dst);
        break;
      }
      case LayerKind::Activation: act_forward_nobias(layer.act, n, d, in, dst); break;
      case LayerKind::Dropout:  // the identity in inference
        if (l != last) continue;
        std::memcpy(dst, in, sizeof(float) * (size_t)n * d);
        break;
      case LayerKind::BatchNorm:
        batchnorm_forward_infer(n, d, in, param(p.gamma), param(p.beta), param(p.moving_mean),
                                param(p.moving_variance), layer.epsilon, dst);
        break;
      case LayerKind::LayerNorm:
        layernorm_forward(n, d, in, param(p.gamma), param(p.beta), layer.epsilon, ws.rstd.data(), ws.xhat.data(), dst);
        break;
    }
    in = dst;
    ld_in = d;
    ping = !ping;
  }
}

}  // namespace blasnet
