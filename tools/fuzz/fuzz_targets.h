// The parsers of everything the framework reads, as fuzz targets: each feeds
// the bytes to one reader as the file it reads. Any error Status is a correct
// answer; a crash, a hang, an allocation sized by an unchecked header or a
// sanitizer report is a bug. Used by the libFuzzer binaries
// (tools/fuzz/run_fuzzers.sh) and by tests/tools/fuzz_regression_test.cc,
// which replays every input kept under tools/fuzz/corpus/<target>/.
#ifndef ENSEMBLES_TOOLS_FUZZ_FUZZ_TARGETS_H_
#define ENSEMBLES_TOOLS_FUZZ_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace ens::fuzz {

using Target = void (*)(const uint8_t* data, size_t size);

void IdxImages(const uint8_t* data, size_t size);    // ReadIdxImages (raw or gzip)
void IdxLabels(const uint8_t* data, size_t size);    // ReadIdxLabels, 10 classes
void CifarBinary(const uint8_t* data, size_t size);  // ReadCifarBinary, CIFAR-10 and CIFAR-100 records
void MatFile(const uint8_t* data, size_t size);      // ReadMatFile (SVHN's X and y)
void Jpeg(const uint8_t* data, size_t size);         // DecodeJpegFile + ResizeAndCrop
void ResultsJson(const uint8_t* data, size_t size);  // ReadDeeReference, ConfigFromResults, report's ReadRun

// By name: idx_images, idx_labels, cifar, mat, jpeg, results.
const std::map<std::string, Target>& Targets();

}  // namespace ens::fuzz

#endif  // ENSEMBLES_TOOLS_FUZZ_FUZZ_TARGETS_H_
