#include "optimizers.h"

#include <algorithm>
#include <cmath>

namespace blasnet {

void clip_gradients(const OptSpec& o, const std::vector<ParamTensor>& tensors, float* g) {
  if (o.clipnorm > 0) {
    const double c = o.clipnorm;
    for (const ParamTensor& t : tensors) {
      double s = 0;
      for (long i = t.offset; i < t.offset + t.size; ++i) s += (double)g[i] * g[i];
      double f = c / std::max(std::sqrt(s), c);
      for (long i = t.offset; i < t.offset + t.size; ++i) g[i] = (float)((double)g[i] * f);
    }
  } else if (o.global_clipnorm > 0) {
    const double c = o.global_clipnorm;
    double s = 0;
    for (const ParamTensor& t : tensors)
      for (long i = t.offset; i < t.offset + t.size; ++i) s += (double)g[i] * g[i];
    double f = c / std::max(std::sqrt(s), c);
    for (const ParamTensor& t : tensors)
      for (long i = t.offset; i < t.offset + t.size; ++i) g[i] = (float)((double)g[i] * f);
  } else if (o.clipvalue > 0) {
    const float c = (float)o.clipvalue;
    for (const ParamTensor& t : tensors)
      for (long i = t.offset; i < t.offset + t.size; ++i) g[i] = std::min(std::max(g[i], -c), c);
  }
}

double schedule_lr(const OptSpec& o, double lr0, double step) {
  const ScheduleSpec& s = o.schedule;
  switch (s.kind) {
    case ScheduleKind::Constant: return lr0;
    case ScheduleKind::ExponentialDecay: {
      double p = step / s.decay_steps;
      if (s.staircase) p = std::floor(p);
      return lr0 * std::pow(s.decay_rate, p);
    }
    case ScheduleKind::CosineDecay: {
      if (s.warmup_steps > 0 && step < s.warmup_steps)
        return lr0 + (s.warmup_target - lr0) * step / s.warmup_steps;
      double k = std::min(step - s.warmup_steps, s.decay_steps);
      double c = 0.5 * (1.0 + std::cos(M_PI * k / s.decay_steps));
      double target = s.warmup_steps > 0 ? s.warmup_target : lr0;
      return target * ((1.0 - s.alpha) * c + s.alpha);
    }
    case ScheduleKind::PiecewiseConstant: {
      for (size_t k = 0; k < s.boundaries.size(); ++k)
        if (step <= s.boundaries[k]) return s.values[k];
      return s.values.empty() ? lr0 : s.values.back();
    }
  }
  return lr0;
}

// Adam / AdamW over [off, end), branch-free inside so the compiler can vectorize it. Compiled twice:
// for the baseline (SSE2: two doubles a vector) and, picked at run time, for AVX2 (four), which makes
// adam's update over a W2-sized net about twice as fast. Only IEEE add/mul/div/sqrt, no FMA: both
// builds give the same bits as each other and as the TypeScript engine's doubles.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(_WIN32)
#define BLASNET_ADAM_AVX2 1
#endif

template <bool kAmsgrad, bool kDecay>
static inline __attribute__((always_inline)) void adam_body(const OptSpec& o, double alpha, float* __restrict w,
                                                            const float* __restrict g, float* slots, long P, long off,
                                                            long end, double lr) {
  float* __restrict m = slots;
  float* __restrict v = slots + P;
  float* __restrict vhat = slots + 2 * P;
  const double c1 = 1.0 - o.beta1, c2 = 1.0 - o.beta2, eps = o.epsilon, decay = o.weight_decay * lr;
  for (long i = off; i < end; ++i) {
    double gi = g[i];
    double wi = w[i];
    if (kDecay) wi = (double)(float)(wi - wi * decay);
    float mi = (float)((double)m[i] + (gi - (double)m[i]) * c1);
    float vi = (float)((double)v[i] + (gi * gi - (double)v[i]) * c2);
    m[i] = mi;
    v[i] = vi;
    float den = vi;
    if (kAmsgrad) {
      den = vhat[i] > vi ? vhat[i] : vi;
      vhat[i] = den;
    }
    w[i] = (float)(wi - alpha * (double)mi / (std::sqrt((double)den) + eps));
  }
}

template <bool kAmsgrad, bool kDecay>
static void adam_generic(const OptSpec& o, double lr, double alpha, float* w, const float* g, float* slots, long P,
                         long off, long end) {
  adam_body<kAmsgrad, kDecay>(o, alpha, w, g, slots, P, off, end, lr);
}

#if defined(BLASNET_ADAM_AVX2)
template <bool kAmsgrad, bool kDecay>
__attribute__((target("avx2"))) static void adam_avx2(const OptSpec& o, double lr, double alpha, float* w,
                                                      const float* g, float* slots, long P, long off, long end) {
  adam_body<kAmsgrad, kDecay>(o, alpha, w, g, slots, P, off, end, lr);
}
#endif

template <bool kAmsgrad, bool kDecay>
static void adam_loop(const OptSpec& o, double lr, double alpha, float* w, const float* g, float* slots, long P,
                      long off, long end) {
#if defined(BLASNET_ADAM_AVX2)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return adam_avx2<kAmsgrad, kDecay>(o, lr, alpha, w, g, slots, P, off, end);
#endif
  adam_generic<kAmsgrad, kDecay>(o, lr, alpha, w, g, slots, P, off, end);
}

// Every state value is rounded to float when stored and the rounded value is used afterwards,
// exactly as the TypeScript engine does with its Float32Array state.
void optimizer_update(const OptSpec& o, double lr, double t, float* w, const float* g, float* slots, long P, long off,
                      long size) {
  const long end = off + size;
  switch (o.id) {
    case OptId::Sgd: {
      if (o.momentum <= 0) {
        for (long i = off; i < end; ++i) w[i] = (float)((double)w[i] - lr * (double)g[i]);
        return;
      }
      float* v = slots;
      const double m = o.momentum;
      for (long i = off; i < end; ++i) {
        float vi = (float)(m * (double)v[i] - lr * (double)g[i]);
        v[i] = vi;
        if (o.nesterov) w[i] = (float)((double)w[i] + (m * (double)vi - lr * (double)g[i]));
        else w[i] = (float)((double)w[i] + (double)vi);
      }
      return;
    }
    case OptId::Adam:
    case OptId::AdamW: {
      const double alpha = lr * std::sqrt(1.0 - std::pow(o.beta2, t)) / (1.0 - std::pow(o.beta1, t));
      const bool w_decay = o.id == OptId::AdamW;
      if (o.amsgrad) {
        if (w_decay) adam_loop<true, true>(o, lr, alpha, w, g, slots, P, off, end);
        else adam_loop<true, false>(o, lr, alpha, w, g, slots, P, off, end);
      } else {
        if (w_decay) adam_loop<false, true>(o, lr, alpha, w, g, slots, P, off, end);
        else adam_loop<false, false>(o, lr, alpha, w, g, slots, P, off, end);
      }
      return;
    }
    case OptId::RmsProp: {
      float* vel = slots;
      float* mom = o.momentum > 0 ? slots + P : nullptr;
      float* ag = o.centered ? slots + (o.momentum > 0 ? 2 : 1) * P : nullptr;
      const double rho = o.rho, eps = o.epsilon;
      for (long i = off; i < end; ++i) {
        double gi = g[i];
        float veli = (float)(rho * (double)vel[i] + (1.0 - rho) * gi * gi);
        vel[i] = veli;
        double den = veli;
        if (ag) {
          float agi = (float)(rho * (double)ag[i] + (1.0 - rho) * gi);
          ag[i] = agi;
          den = (double)veli - (double)agi * (double)agi;
        }
        double inc = lr * gi / std::sqrt(den + eps);
        if (mom) {
          float mi = (float)(o.momentum * (double)mom[i] + inc);
          mom[i] = mi;
          w[i] = (float)((double)w[i] - (double)mi);
        } else {
          w[i] = (float)((double)w[i] - inc);
        }
      }
      return;
    }
    case OptId::Adagrad: {
      float* acc = slots;
      const double eps = o.epsilon;
      for (long i = off; i < end; ++i) {
        double gi = g[i];
        float ai = (float)((double)acc[i] + gi * gi);
        acc[i] = ai;
        w[i] = (float)((double)w[i] - lr * gi / std::sqrt((double)ai + eps));
      }
      return;
    }
  }
}

}  // namespace blasnet
