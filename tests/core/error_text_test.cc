#include "core/error_text.h"

#include <stdexcept>
#include <string>
#include <typeinfo>

#include <c10/util/Exception.h>
#include <gtest/gtest.h>
#include <torch/types.h>

namespace ens {
namespace {

// A real LibTorch error (TORCH_CHECK in ATen): its what() carries the C++
// backtrace.
TEST(ErrorTextTest, LibTorchErrorIsItsFirstLineWithoutTheBacktrace) {
  try {
    torch::mm(torch::ones({2, 3}), torch::ones({2, 3}));
    ADD_FAILURE() << "mm did not throw";
  } catch (const c10::Error& error) {
    const std::string text = ErrorText(error);
    EXPECT_NE(text.find("cannot be multiplied (2x3 and 2x3)"), std::string::npos) << text;
    EXPECT_NE(std::string(error.what()).find('\n'), std::string::npos) << "no backtrace to strip";
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    EXPECT_EQ(text.find("frame #"), std::string::npos) << text;
    const std::string whole = error.what_without_backtrace();
    EXPECT_EQ(whole.substr(0, text.size()), text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a c10::Error: " << typeid(e).name();
  }
}

TEST(ErrorTextTest, OtherExceptionsGiveTheirFirstLine) {
  EXPECT_EQ(ErrorText(std::runtime_error("bad byte at offset 12\ndetail")), "bad byte at offset 12");
  EXPECT_EQ(ErrorText(std::runtime_error("one line")), "one line");
}

TEST(ErrorTextTest, FullTextsGoToStderrWhole) {
  SetFullErrorTexts(true);
  testing::internal::CaptureStderr();
  const std::string text = ErrorText(std::runtime_error("first\nsecond"));
  const std::string printed = testing::internal::GetCapturedStderr();
  SetFullErrorTexts(false);
  EXPECT_EQ(text, "first");
  EXPECT_NE(printed.find("first\nsecond"), std::string::npos) << printed;
  testing::internal::CaptureStderr();
  ErrorText(std::runtime_error("quiet\nagain"));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace ens
