// Early-return helpers for absl::Status / absl::StatusOr, in the style of
// Abseil's internal macros.
//
//   ENS_RETURN_IF_ERROR(WriteFile(path));
//   ENS_ASSIGN_OR_RETURN(Dataset data, LoadDataset(name));
#ifndef ENSEMBLES_CORE_STATUS_MACROS_H_
#define ENSEMBLES_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ENS_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    ::absl::Status ens_status_ = (expr);               \
    if (!ens_status_.ok()) return ens_status_;         \
  } while (false)

#define ENS_STATUS_CONCAT_INNER_(a, b) a##b
#define ENS_STATUS_CONCAT_(a, b) ENS_STATUS_CONCAT_INNER_(a, b)

#define ENS_ASSIGN_OR_RETURN(lhs, expr) \
  ENS_ASSIGN_OR_RETURN_IMPL_(ENS_STATUS_CONCAT_(ens_statusor_, __LINE__), lhs, expr)

#define ENS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // ENSEMBLES_CORE_STATUS_MACROS_H_
