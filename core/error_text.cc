#include "core/error_text.h"

#include <atomic>
#include <cstdio>

#include <c10/util/Exception.h>

namespace ens {
namespace {

std::atomic<bool> full_texts{false};

}  // namespace

std::string ErrorText(const std::exception& e) {
  if (full_texts.load()) std::fprintf(stderr, "(--v=1) whole message: %s\n", e.what());
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error != nullptr ? c10_error->what_without_backtrace() : e.what();
  const size_t newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

void SetFullErrorTexts(bool full) { full_texts.store(full); }

}  // namespace ens
