#include "engine/flops.h"

#include <string>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/version.h>

namespace ens {
namespace {

#if TORCH_VERSION_MAJOR >= 2
namespace warnings = c10::WarningUtils;
#else
namespace warnings = c10::Warning;
#endif

// LibTorch's FLOP estimate warns, and counts 0, for an operator whose
// arguments it does not read (e.g. a convolution given one padding for both
// dimensions). Such warnings make the count incomplete and stay off the
// user's screen; every other warning goes on to the handler before.
class FlopWarnings : public c10::WarningHandler {
 public:
  explicit FlopWarnings(c10::WarningHandler* next) : next_(next) {}
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& warning) override {
    if (!Caught(warning.msg())) next_->process(warning);
  }
#else
  void process(const c10::SourceLocation& where, const std::string& message, const bool verbatim) override {
    if (!Caught(message)) next_->process(where, message, verbatim);
  }
#endif
  bool incomplete() const { return incomplete_; }

 private:
  bool Caught(const std::string& message) {
    // "Failed to compute flops ...", "Failed to save extra arguments for
    // flops computation ...", "Calculating flops for ... requires ...".
    if (message.find("flops") == std::string::npos) return false;
    incomplete_ = true;
    return true;
  }
  c10::WarningHandler* next_;
  bool incomplete_ = false;
};

}  // namespace

std::optional<double> CountFlops(const std::function<void()>& work) {
  namespace profiler = torch::autograd::profiler;
  using torch::profiler::impl::ProfilerConfig;
  using torch::profiler::impl::ProfilerState;
  if (torch::profiler::impl::profilerEnabled()) {
    work();
    return std::nullopt;
  }
  FlopWarnings flop_warnings(warnings::get_warning_handler());
  const warnings::WarningHandlerGuard guard(&flop_warnings);
  // The CPU profiler records every operator call, CUDA tensors' too (FLOPs
  // come from shapes); input shapes and FLOP estimates on.
  profiler::enableProfilerLegacy(ProfilerConfig(ProfilerState::CPU, /*report_input_shapes=*/true,
                                                /*profile_memory=*/false, /*with_stack=*/false,
                                                /*with_flops=*/true));
  try {
    work();
  } catch (...) {
    profiler::disableProfilerLegacy();
    throw;
  }
  double flops = 0;
  for (auto& events : profiler::disableProfilerLegacy()) {
    std::vector<std::string> open;  // the operators running on this thread, innermost last
    for (auto& event : events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        // An operator that runs itself again inside (autocast's conv2d calls
        // conv2d on its cast inputs) is counted once.
        if (open.empty() || open.back() != event.name()) flops += static_cast<double>(event.flops());
        open.emplace_back(event.name());
      } else if (event.kind() == profiler::EventKind::PopRange && !open.empty()) {
        open.pop_back();
      }
    }
  }
  if (flop_warnings.incomplete()) return std::nullopt;
  return flops;
}

}  // namespace ens
