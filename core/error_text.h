// One line for the user from an exception: LibTorch's c10::Error carries a
// C++ backtrace of 20 frames and more, which the user does not need to read;
// the driver's --v=1 prints it too (to stderr, where it is caught).
#ifndef ENSEMBLES_CORE_ERROR_TEXT_H_
#define ENSEMBLES_CORE_ERROR_TEXT_H_

#include <exception>
#include <string>

namespace ens {

// The first line of the exception's message, without LibTorch's backtrace.
// With SetFullErrorTexts(true), also writes the whole message to stderr.
std::string ErrorText(const std::exception& e);

// --v >= 1: ErrorText also prints every message whole.
void SetFullErrorTexts(bool full);

}  // namespace ens

#endif  // ENSEMBLES_CORE_ERROR_TEXT_H_
