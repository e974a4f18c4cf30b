// The binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky 2009):
// fixed-size records of label byte(s) then 3072 pixel bytes (the red, green
// and blue 32x32 planes, row-major).
//   CIFAR-10:  <label> <3072 pixels>                  data_batch_1..5.bin, test_batch.bin
//   CIFAR-100: <coarse label> <fine label> <3072>     train.bin, test.bin
// Errors name the file and the byte offset (a partial record, a label out of
// range); nothing is allocated beyond the file's own size.
#ifndef ENSEMBLES_DATASETS_CIFAR_READER_H_
#define ENSEMBLES_DATASETS_CIFAR_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace ens {

struct CifarFormat {
  int64_t label_bytes = 1;   // 1 (CIFAR-10) or 2 (CIFAR-100)
  int64_t label_index = 0;   // which label byte to use (CIFAR-100: 0 coarse, 1 fine)
  int64_t num_classes = 10;
};

// Images uint8 [N, 3, 32, 32], labels int64 [N].
absl::StatusOr<Split> ReadCifarBinary(const std::string& path, const CifarFormat& format);

}  // namespace ens

#endif  // ENSEMBLES_DATASETS_CIFAR_READER_H_
