#include "core/short_number.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace ens {

std::string ShortNumber(double value) {
  if (!std::isfinite(value)) return "-";
  static const char* const kPrefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int prefix = 0;
  // 999,999 is "1M", not "1e+03k".
  while (std::abs(value) >= 999.5 && prefix < 6) {
    value /= 1000;
    ++prefix;
  }
  return prefix == 0 ? absl::StrFormat("%.0f", value) : absl::StrFormat("%.3g%s", value, kPrefixes[prefix]);
}

}  // namespace ens
