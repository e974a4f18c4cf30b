#include "models/max_pool.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <ATen/Dispatch.h>
#include <torch/autograd.h>

namespace ens {
namespace {

// Which of a window's four inputs won, in row-major order (LibTorch's scan
// order): 0 top left, 1 top right, 2 bottom left, 3 bottom right.
template <typename T>
inline void Challenge(T value, uint8_t position, T& best, uint8_t& winner) {
  // LibTorch's rule: a later value wins when greater, or when NaN.
  const bool wins = value > best || value != value;
  best = wins ? value : best;
  winner = wins ? position : winner;
}

// Output columns [c0, ow) of one row, one window at a time (double, and the
// columns left over by the vector loop).
template <typename T>
void PoolForwardColumns(const T* top, const T* bottom, T* out, uint8_t* winners, int64_t c0, int64_t ow) {
  for (int64_t c = c0; c < ow; ++c) {
    T best = top[2 * c];
    uint8_t winner = 0;
    Challenge(top[2 * c + 1], 1, best, winner);
    Challenge(bottom[2 * c], 2, best, winner);
    Challenge(bottom[2 * c + 1], 3, best, winner);
    out[c] = best;
    winners[c] = winner;
  }
}

#if defined(__SSE2__)
// Four windows at once: the even and odd columns of the two input rows are
// the four challengers; the same rule as Challenge, as masks (the scalar
// version compiles to branches, mispredicted on random activations).
inline void Challenge4(__m128 value, __m128i position, __m128& best, __m128i& winner) {
  const __m128 wins = _mm_or_ps(_mm_cmpgt_ps(value, best), _mm_cmpunord_ps(value, value));
  best = _mm_or_ps(_mm_and_ps(wins, value), _mm_andnot_ps(wins, best));
  const __m128i wins_i = _mm_castps_si128(wins);
  winner = _mm_or_si128(_mm_and_si128(wins_i, position), _mm_andnot_si128(wins_i, winner));
}

// Returns the first column not done.
int64_t PoolForwardVector(const float* top, const float* bottom, float* out, uint8_t* winners, int64_t ow) {
  int64_t c = 0;
  for (; c + 4 <= ow; c += 4) {
    const __m128 t0 = _mm_loadu_ps(top + 2 * c), t1 = _mm_loadu_ps(top + 2 * c + 4);
    const __m128 b0 = _mm_loadu_ps(bottom + 2 * c), b1 = _mm_loadu_ps(bottom + 2 * c + 4);
    __m128 best = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0));
    __m128i winner = _mm_setzero_si128();
    Challenge4(_mm_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1)), _mm_set1_epi32(1), best, winner);
    Challenge4(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_set1_epi32(2), best, winner);
    Challenge4(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)), _mm_set1_epi32(3), best, winner);
    _mm_storeu_ps(out + c, best);
    const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(winner, winner), winner);
    const int32_t four = _mm_cvtsi128_si32(bytes);
    std::memcpy(winners + c, &four, 4);
  }
  return c;
}
#endif

template <typename T>
void PoolForward(const T* in, T* out, uint8_t* winners, int64_t planes, int64_t h, int64_t w) {
  const int64_t oh = h / 2, ow = w / 2;
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t r = 0; r < oh; ++r) {
      const T* top = in + (p * h + 2 * r) * w;
      const T* bottom = top + w;
      T* o = out + (p * oh + r) * ow;
      uint8_t* k = winners + (p * oh + r) * ow;
      int64_t done = 0;
#if defined(__SSE2__)
      if constexpr (std::is_same_v<T, float>) done = PoolForwardVector(top, bottom, o, k, ow);
#endif
      PoolForwardColumns(top, bottom, o, k, done, ow);
    }
  }
}

// Output columns [c0, ow) of one row: their gradient into the two input rows.
template <typename T>
void PoolBackwardColumns(const T* g, const uint8_t* k, T* top, T* bottom, int64_t c0, int64_t ow) {
  const T zero = 0;
  for (int64_t c = c0; c < ow; ++c) {
    top[2 * c] = k[c] == 0 ? g[c] : zero;
    top[2 * c + 1] = k[c] == 1 ? g[c] : zero;
    bottom[2 * c] = k[c] == 2 ? g[c] : zero;
    bottom[2 * c + 1] = k[c] == 3 ? g[c] : zero;
  }
}

#if defined(__SSE2__)
// Four windows at once; returns the first column not done.
int64_t PoolBackwardVector(const float* g, const uint8_t* k, float* top, float* bottom, int64_t ow) {
  int64_t c = 0;
  const __m128i zero = _mm_setzero_si128();
  for (; c + 4 <= ow; c += 4) {
    int32_t four;
    std::memcpy(&four, k + c, 4);
    const __m128i winner = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(four), zero), zero);
    const __m128 grad = _mm_loadu_ps(g + c);
    auto at = [&](int position) {
      return _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(winner, _mm_set1_epi32(position))), grad);
    };
    const __m128 top_left = at(0), top_right = at(1), bottom_left = at(2), bottom_right = at(3);
    _mm_storeu_ps(top + 2 * c, _mm_unpacklo_ps(top_left, top_right));
    _mm_storeu_ps(top + 2 * c + 4, _mm_unpackhi_ps(top_left, top_right));
    _mm_storeu_ps(bottom + 2 * c, _mm_unpacklo_ps(bottom_left, bottom_right));
    _mm_storeu_ps(bottom + 2 * c + 4, _mm_unpackhi_ps(bottom_left, bottom_right));
  }
  return c;
}
#endif

// Writes every input position a window covers; positions no window covers
// (the last row or column of an odd side) must be zero already.
template <typename T>
void PoolBackward(const T* grad_out, const uint8_t* winners, T* grad_in, int64_t planes, int64_t h, int64_t w) {
  const int64_t oh = h / 2, ow = w / 2;
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t r = 0; r < oh; ++r) {
      T* top = grad_in + (p * h + 2 * r) * w;
      T* bottom = top + w;
      const T* g = grad_out + (p * oh + r) * ow;
      const uint8_t* k = winners + (p * oh + r) * ow;
      int64_t done = 0;
#if defined(__SSE2__)
      if constexpr (std::is_same_v<T, float>) done = PoolBackwardVector(g, k, top, bottom, ow);
#endif
      PoolBackwardColumns(g, k, top, bottom, done, ow);
    }
  }
}

class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input) {
    const torch::Tensor in = input.contiguous();
    const int64_t n = in.size(0), c = in.size(1), h = in.size(2), w = in.size(3);
    torch::Tensor out = torch::empty({n, c, h / 2, w / 2}, in.options());
    torch::Tensor winners = torch::empty({n, c, h / 2, w / 2}, in.options().dtype(torch::kUInt8));
    AT_DISPATCH_FLOATING_TYPES(in.scalar_type(), "MaxPool2x2", [&] {
      PoolForward(in.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), winners.data_ptr<uint8_t>(), n * c, h, w);
    });
    ctx->save_for_backward({winners});
    ctx->saved_data["height"] = h;
    ctx->saved_data["width"] = w;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor winners = ctx->get_saved_variables()[0];
    const int64_t h = ctx->saved_data["height"].toInt(), w = ctx->saved_data["width"].toInt();
    const torch::Tensor grad_out = grads[0].contiguous();
    const int64_t n = winners.size(0), c = winners.size(1);
    torch::Tensor grad_in = (h % 2 != 0 || w % 2 != 0) ? torch::zeros({n, c, h, w}, grad_out.options())
                                                       : torch::empty({n, c, h, w}, grad_out.options());
    AT_DISPATCH_FLOATING_TYPES(grad_out.scalar_type(), "MaxPool2x2Backward", [&] {
      PoolBackward(grad_out.data_ptr<scalar_t>(), winners.data_ptr<uint8_t>(), grad_in.data_ptr<scalar_t>(), n * c,
                   h, w);
    });
    return {grad_in};
  }
};

bool OursApplies(const torch::Tensor& input) {
  const auto type = input.scalar_type();
  return input.device().is_cpu() && input.dim() == 4 && (type == torch::kFloat || type == torch::kDouble) &&
         input.size(2) >= 2 && input.size(3) >= 2 &&
         input.suggest_memory_format() == at::MemoryFormat::Contiguous;
}

}  // namespace

torch::Tensor MaxPool2x2(const torch::Tensor& input) {
  if (!OursApplies(input)) return torch::max_pool2d(input, 2);
  return MaxPool2x2Function::apply(input);
}

}  // namespace ens
