#include "models/threaded_linear.h"

#include <algorithm>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <torch/autograd.h>
#include <torch/nn/functional/linear.h>

#include "core/autocast.h"

namespace ens {
namespace {

using torch::Tensor;

// Below this many multiply-adds one BLAS call is as fast as waking the other
// threads (lenet's fc2, 128 x 128 x 10, stays whole; fc1, 128 x 9216 x 128,
// is split).
constexpr int64_t kMinSplitMultiplyAdds = int64_t{1} << 22;

// Whether an [m, k] x [k, n] product is large enough to split.
bool LargeProduct(int64_t m, int64_t k, int64_t n) { return m * k * n >= kMinSplitMultiplyAdds; }

// Size is not checked here: ThreadedLinearForward uses ThreadedLinearFunction
// only for a large product, and the function's three products ([rows, in] x
// [in, out], [rows, out] x [out, in], [out, rows] x [rows, in]) have the same
// count of multiply-adds.
bool WorthSplitting(const Tensor& a, const Tensor& b, const Tensor& bias) {
  // A backward pass with create_graph records its products: the out= calls
  // of the split are not differentiable, LibTorch's mm is.
  const bool recorded = torch::GradMode::is_enabled() &&
                        (a.requires_grad() || b.requires_grad() || (bias.defined() && bias.requires_grad()));
  return ThreadedLinearSplits() && !recorded && at::get_num_threads() > 1 && !at::in_parallel_region() &&
         a.size(0) >= 2;
}

// a b (+ bias on every row), the rows of the result split evenly across
// ATen's threads; each thread writes its own contiguous block of rows.
Tensor RowSplitProduct(const Tensor& a, const Tensor& b, const Tensor& bias) {
  if (!WorthSplitting(a, b, bias)) return bias.defined() ? torch::addmm(bias, a, b) : torch::mm(a, b);
  Tensor out = torch::empty({a.size(0), b.size(1)}, a.options());
  // OpenMP's worker threads start with LibTorch's default thread-local state
  // (grad mode on, no inference mode): they take this thread's, in which no
  // graph is recorded (see WorthSplitting), so the out= products are allowed.
  const at::ThreadLocalState caller_state;
  const int64_t rows = a.size(0);
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), rows);
  at::parallel_for(0, rows, (rows + threads - 1) / threads, [&](int64_t begin, int64_t end) {
    at::ThreadLocalStateGuard state(caller_state);
    Tensor block = out.narrow(0, begin, end - begin);
    const Tensor a_rows = a.narrow(0, begin, end - begin);
    if (bias.defined()) {
      torch::addmm_out(block, bias, a_rows, b);
    } else {
      torch::mm_out(block, a_rows, b);
    }
  });
  return out;
}

class ThreadedLinearFunction : public torch::autograd::Function<ThreadedLinearFunction> {
 public:
  // x [rows, in], weight [out, in], bias [out] or none (an undefined tensor
  // is not a valid autograd input; an empty optional is).
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& x, const Tensor& weight,
                        const c10::optional<Tensor>& bias) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["has_bias"] = bias.has_value();
    return RowSplitProduct(x, weight.t(), bias.has_value() ? *bias : Tensor());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor& x = saved[0];
    const Tensor& weight = saved[1];
    const Tensor& grad = grads[0];
    Tensor grad_x, grad_weight, grad_bias;
    if (ctx->needs_input_grad(0)) grad_x = RowSplitProduct(grad, weight, {});
    if (ctx->needs_input_grad(1)) grad_weight = RowSplitProduct(grad.t(), x, {});
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) grad_bias = grad.sum(0);
    return {grad_x, grad_weight, grad_bias};
  }
};

}  // namespace

bool ThreadedLinearSplits() {
#if AT_PARALLEL_OPENMP && !defined(_OPENMP)
  return false;
#else
  return true;
#endif
}

Tensor ThreadedLinearForward(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  // Inputs of other ranks (none of our architectures' layers) keep
  // LibTorch's linear, which for them is a matmul and an add; so does
  // autocast, which casts at LibTorch's dispatcher, in this thread only.
  if (x.dim() != 2 || !x.device().is_cpu() || AutocastEnabled(torch::kCPU) ||
      !LargeProduct(x.size(0), x.size(1), weight.size(0))) {
    return torch::nn::functional::linear(x, weight, bias);
  }
  return ThreadedLinearFunction::apply(x, weight, bias.defined() ? c10::optional<Tensor>(bias) : c10::nullopt);
}

bool ThreadedLinearPaysOff() { return ThreadedLinearSplits() && !at::globalContext().hasMKL(); }

torch::Tensor LinearForward(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!ThreadedLinearPaysOff()) return torch::nn::functional::linear(x, weight, bias);
  return ThreadedLinearForward(x, weight, bias);
}

torch::Tensor ThreadedLinearImpl::forward(const torch::Tensor& input) { return LinearForward(input, weight, bias); }

}  // namespace ens
