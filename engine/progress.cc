#include "engine/progress.h"

#include <algorithm>
#include <string>

namespace ens {
namespace {

std::string FormatDuration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  } else {
    std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buffer;
}

}  // namespace

ProgressReporter::ProgressReporter(std::FILE* out, bool live) : out_(out), live_(live) {}

void ProgressReporter::Plan(int64_t total_epochs) { planned_epochs_ = total_epochs; }

void ProgressReporter::Skip(int64_t epochs) { planned_epochs_ = std::max<int64_t>(0, planned_epochs_ - epochs); }

void ProgressReporter::ClearLine() {
  if (line_dirty_) {
    std::fprintf(out_, "\r\033[K");
    line_dirty_ = false;
  }
}

void ProgressReporter::Iteration(const std::string& label, int64_t done, int64_t total, double loss, double lr) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done != total && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<int64_t>(1, total));
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "\r\033[K%s [%s] %lld/%lld loss %.4f lr %.5f", label.c_str(), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total), loss, lr);
  std::fflush(out_);
  line_dirty_ = true;
}

void ProgressReporter::EpochDone(const std::string& label, const EpochRecord& r) {
  ClearLine();
  ++finished_epochs_;
  trained_seconds_ += r.seconds;
  std::string eta = "?";
  if (planned_epochs_ > 0) {
    const int64_t left = std::max<int64_t>(0, planned_epochs_ - finished_epochs_);
    eta = FormatDuration(trained_seconds_ / finished_epochs_ * left);
  }
  std::fprintf(out_, "%s epoch %lld  lr %.5f  loss %.4f  acc %.2f%%  %.0f img/s  %.1fs  ETA %s\n",
               label.c_str(), static_cast<long long>(r.epoch), r.lr, r.loss, r.accuracy,
               r.images_per_sec, r.seconds, eta.c_str());
  std::fflush(out_);
}

void ProgressReporter::Message(const std::string& text) {
  ClearLine();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace ens
