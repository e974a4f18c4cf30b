// Writes IDX files (gzip-compressed) the way the MNIST distribution does,
// for reader tests.
#ifndef ENSEMBLES_TESTS_TESTING_IDX_FILES_H_
#define ENSEMBLES_TESTS_TESTING_IDX_FILES_H_

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ens::testing {

inline std::vector<uint8_t> IdxHeader(uint32_t magic, const std::vector<uint32_t>& dims) {
  std::vector<uint8_t> out;
  auto put = [&out](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  return out;
}

inline void WriteGz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

// An idx3 image file with n images of rows x cols, pixel (i, r, c) = (i + r + c) % 256.
inline std::vector<uint8_t> ImageFile(uint32_t n, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> bytes = IdxHeader(0x00000803, {n, rows, cols});
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t r = 0; r < rows; ++r)
      for (uint32_t c = 0; c < cols; ++c) bytes.push_back(static_cast<uint8_t>((i + r + c) % 256));
  return bytes;
}

inline std::vector<uint8_t> LabelFile(const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> bytes = IdxHeader(0x00000801, {static_cast<uint32_t>(labels.size())});
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  return bytes;
}

inline std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

}  // namespace ens::testing

#endif  // ENSEMBLES_TESTS_TESTING_IDX_FILES_H_
