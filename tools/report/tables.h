// The comparison in the layout of the reference tables: methods x ensemble
// sizes, error / NLL / calibrated NLL / Brier / ECE / DEE, mean (+- sample
// standard deviation where several seeds share a setting).
#ifndef ENSEMBLES_TOOLS_REPORT_TABLES_H_
#define ENSEMBLES_TOOLS_REPORT_TABLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/report/budgets.h"
#include "tools/report/run_set.h"

namespace ens::report {

// `sizes`: the ensemble sizes to show (empty: every size of each group).
// `cost`: columns for the whole ensemble's cost (parameters stored, training
// FLOPs per training image, seconds to predict the test set), filled on each
// group's largest size, the ensemble the cost is of.
std::string MarkdownTable(const std::vector<RunGroup>& groups, const std::vector<int64_t>& sizes,
                          bool cost = false);
// One row per group and size, every statistic in its own column.
std::string CsvTable(const std::vector<RunGroup>& groups, const std::vector<int64_t>& sizes, bool cost = false);

// Rows x budget columns, one table per metric (error, NLL, cNLL, DEE); each
// cell says the ensemble size it shows.
std::string BudgetMarkdown(const std::vector<BudgetRow>& rows, const std::vector<BudgetColumn>& columns);
// One line per row and column, every statistic in its own column.
std::string BudgetCsv(const std::vector<BudgetRow>& rows, const std::vector<BudgetColumn>& columns);

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_TABLES_H_
