// Columns of equal training budget (the FGE table's 1B / 2B / 3B): a budgets
// file names, per column, the ensemble size each row's run had reached
// within that budget, so that one long run per method fills every column
// (its first k members are the shorter run's: the same seed, schedule and
// data order). Rows are results folders named by their last path component
// ("runs/fge/01_sse_3B" and "seed1/01_sse_3B" are both row 01_sse_3B).
//
//   # column  row=size ...
//   1B  00_ind_3B=1  01_sse_3B=5   02_fge_3B=2
//   2B  00_ind_3B=2  01_sse_3B=10  02_fge_3B=12
#ifndef ENSEMBLES_TOOLS_REPORT_BUDGETS_H_
#define ENSEMBLES_TOOLS_REPORT_BUDGETS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/report/run_set.h"

namespace ens::report {

struct BudgetColumn {
  std::string name;                                    // "1B"
  std::vector<std::pair<std::string, int64_t>> sizes;  // row -> ensemble size within the budget
};

// Reads a budgets file; errors name the file and line.
absl::StatusOr<std::vector<BudgetColumn>> ReadBudgets(const std::string& path);

struct BudgetRow {
  std::string row;
  const RunGroup* group = nullptr;
  std::vector<SizeSummary> cells;  // one per column
};

// Rows in order of first mention; an error when a row matches no group or
// several, or its runs have no ensemble of the size a column asks for.
absl::StatusOr<std::vector<BudgetRow>> ResolveBudgets(const std::vector<RunGroup>& groups,
                                                      const std::vector<BudgetColumn>& columns);

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_BUDGETS_H_
