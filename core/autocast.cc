#include "core/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace ens {
namespace {

// LibTorch 2.4 made the autocast state per device type; 1.x has one setter
// per device.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool IsEnabled(torch::DeviceType type) { return at::autocast::is_autocast_enabled(type); }
void SetEnabled(torch::DeviceType type, bool on) { at::autocast::set_autocast_enabled(type, on); }
torch::ScalarType Dtype(torch::DeviceType type) { return at::autocast::get_autocast_dtype(type); }
void SetDtype(torch::DeviceType type, torch::ScalarType dtype) { at::autocast::set_autocast_dtype(type, dtype); }
#else
bool IsEnabled(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void SetEnabled(torch::DeviceType type, bool on) {
  type == torch::kCUDA ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on);
}
torch::ScalarType Dtype(torch::DeviceType type) {
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void SetDtype(torch::DeviceType type, torch::ScalarType dtype) {
  type == torch::kCUDA ? at::autocast::set_autocast_gpu_dtype(dtype) : at::autocast::set_autocast_cpu_dtype(dtype);
}
#endif

}  // namespace

bool AutocastEnabled(torch::DeviceType type) { return IsEnabled(type); }

Bf16AutocastGuard::Bf16AutocastGuard(torch::Device device, bool enabled)
    : enabled_(enabled), type_(device.is_cuda() ? torch::kCUDA : torch::kCPU) {
  if (!enabled_) return;
  was_enabled_ = IsEnabled(type_);
  old_dtype_ = Dtype(type_);
  SetDtype(type_, torch::kBFloat16);
  SetEnabled(type_, true);
  at::autocast::increment_nesting();
}

Bf16AutocastGuard::~Bf16AutocastGuard() {
  if (!enabled_) return;
  // The cache of casted weights lives for the outermost autocast region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetEnabled(type_, was_enabled_);
  SetDtype(type_, old_dtype_);
}

}  // namespace ens
