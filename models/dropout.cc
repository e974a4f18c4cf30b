#include "models/dropout.h"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <torch/autograd.h>
#include <torch/nn/functional/dropout.h>

namespace ens {
namespace {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014) read as a counter-based generator: word pair k is
// the mixed (key + (k + 1) * golden gamma), the generator's k-th output.
inline uint64_t SplitMix(uint64_t key, uint64_t k) {
  uint64_t z = key + (k + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// out[i] = in[i] * scale where 32-bit word i < threshold, else 0; `in` and
// `out` contiguous in the same memory format. Word 2k is the low half of
// output k, word 2k + 1 the high half.
void MaskAndScale(const torch::Tensor& in, torch::Tensor& out, double p, uint64_t key) {
  const uint64_t threshold = static_cast<uint64_t>((1.0 - p) * 4294967296.0);
  const int64_t n = in.numel();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, in.scalar_type(), "CounterDropout", [&] {
    const scalar_t* src = in.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    // A select, not a branch: a quarter of unpredictable branches cost more
    // than the generator.
    auto masked = [&](int64_t i, uint64_t word) {
      const float factor = (word & 0xFFFFFFFFull) < threshold ? scale : 0.0f;
      dst[i] = static_cast<scalar_t>(static_cast<float>(src[i]) * factor);
    };
    for (int64_t k = 0; 2 * k < n; ++k) {
      const uint64_t bits = SplitMix(key, static_cast<uint64_t>(k));
      masked(2 * k, bits);
      if (2 * k + 1 < n) masked(2 * k + 1, bits >> 32);
    }
  });
}

torch::Tensor MaskedCopy(const torch::Tensor& input, at::MemoryFormat format, double p, uint64_t key) {
  const torch::Tensor in = input.contiguous(format);
  torch::Tensor out = torch::empty_like(in, in.options(), format);
  MaskAndScale(in, out, p, key);
  return out;
}

class CounterDropoutFunction : public torch::autograd::Function<CounterDropoutFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input, double p,
                               int64_t key) {
    const at::MemoryFormat format = input.suggest_memory_format();
    ctx->saved_data["p"] = p;
    ctx->saved_data["key"] = key;
    ctx->saved_data["channels_last"] = format == at::MemoryFormat::ChannelsLast;
    return MaskedCopy(input, format, p, static_cast<uint64_t>(key));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const at::MemoryFormat format = ctx->saved_data["channels_last"].toBool() ? at::MemoryFormat::ChannelsLast
                                                                              : at::MemoryFormat::Contiguous;
    const double p = ctx->saved_data["p"].toDouble();
    const auto key = static_cast<uint64_t>(ctx->saved_data["key"].toInt());
    return {MaskedCopy(grads[0], format, p, key), torch::Tensor(), torch::Tensor()};
  }
};

uint64_t DrawKey() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

}  // namespace

torch::Tensor CounterDropout(const torch::Tensor& input, double p, uint64_t key) {
  TORCH_CHECK(p >= 0 && p < 1, "dropout probability must be in [0, 1), got ", p);
  TORCH_CHECK(input.device().is_cpu(), "CounterDropout runs on CPU tensors");
  return CounterDropoutFunction::apply(input, p, static_cast<int64_t>(key));
}

DropoutImpl::DropoutImpl(double p) : p_(p) {
  TORCH_CHECK(p >= 0 && p < 1, "dropout probability must be in [0, 1), got ", p);
}

torch::Tensor DropoutImpl::forward(const torch::Tensor& input) {
  if (!is_training() || p_ == 0) return input;
  if (!input.device().is_cpu()) {
    return torch::nn::functional::dropout(input, torch::nn::functional::DropoutFuncOptions().p(p_).training(true));
  }
  return CounterDropout(input, p_, DrawKey());
}

void DropoutImpl::pretty_print(std::ostream& stream) const { stream << "ens::Dropout(p=" << p_ << ")"; }

}  // namespace ens
