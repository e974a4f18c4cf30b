#include "driver/verbosity.h"

#include <string>

#include <gflags/gflags.h>

#include "absl/strings/numbers.h"

namespace ens {

void DefineVerbosityFlagIfMissing() {
  gflags::CommandLineFlagInfo info;
  if (gflags::GetCommandLineFlagInfo("v", &info)) return;
  static int value = 0;
  static int default_value = 0;
  static gflags::FlagRegisterer registerer("v", "verbosity: 1 also prints LibTorch's whole error messages (backtrace)",
                                           __FILE__, &value, &default_value);
}

int Verbosity() {
  std::string text;
  int value = 0;
  if (!gflags::GetCommandLineOption("v", &text) || !absl::SimpleAtoi(text, &value)) return 0;
  return value;
}

}  // namespace ens
