#include "engine/flops.h"

#include <torch/csrc/autograd/profiler_legacy.h>

namespace ens {

std::optional<double> CountFlops(const std::function<void()>& work) {
  namespace profiler = torch::autograd::profiler;
  using torch::profiler::impl::ProfilerConfig;
  using torch::profiler::impl::ProfilerState;
  if (torch::profiler::impl::profilerEnabled()) {
    work();
    return std::nullopt;
  }
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
    for (auto& event : events) flops += static_cast<double>(event.flops());
  }
  return flops;
}

}  // namespace ens
