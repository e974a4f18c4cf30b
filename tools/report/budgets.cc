#include "tools/report/budgets.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace ens::report {

absl::StatusOr<std::vector<BudgetColumn>> ReadBudgets(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--budgets=", path, ": cannot open"));
  std::vector<BudgetColumn> columns;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = absl::StrCat(path, ":", number, ": ");
    const std::string text = line.substr(0, line.find('#'));
    std::vector<std::string> words = absl::StrSplit(text, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    if (words.size() < 2) return absl::InvalidArgumentError(absl::StrCat(where, "column '", words[0], "' names no row=size"));
    BudgetColumn column{words[0], {}};
    for (const auto& other : columns) {
      if (other.name == column.name) return absl::InvalidArgumentError(absl::StrCat(where, "column '", column.name, "' twice"));
    }
    for (size_t i = 1; i < words.size(); ++i) {
      const std::vector<std::string> parts = absl::StrSplit(words[i], absl::MaxSplits('=', 1));
      int64_t size = 0;
      if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &size) || size < 1) {
        return absl::InvalidArgumentError(absl::StrCat(where, "'", words[i], "' is not row=size (a positive size)"));
      }
      for (const auto& [row, ignored] : column.sizes) {
        if (row == parts[0]) return absl::InvalidArgumentError(absl::StrCat(where, "row '", row, "' twice"));
      }
      column.sizes.emplace_back(parts[0], size);
    }
    columns.push_back(std::move(column));
  }
  if (columns.empty()) return absl::InvalidArgumentError(absl::StrCat("--budgets=", path, ": no columns"));
  return columns;
}

absl::StatusOr<std::vector<BudgetRow>> ResolveBudgets(const std::vector<RunGroup>& groups,
                                                      const std::vector<BudgetColumn>& columns) {
  std::vector<std::string> order;
  for (const auto& column : columns) {
    for (const auto& [row, size] : column.sizes) {
      if (std::find(order.begin(), order.end(), row) == order.end()) order.push_back(row);
    }
  }
  std::vector<BudgetRow> rows;
  for (const std::string& row : order) {
    BudgetRow out{row, nullptr, {}};
    for (const auto& group : groups) {
      const bool named = std::any_of(group.runs.begin(), group.runs.end(),
                                     [&](const Run& run) { return RowName(run.dir) == row; });
      if (!named) continue;
      if (out.group != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("--budgets: folders named '", row, "' hold runs of two settings (", out.group->label,
                         " and ", group.label, ")"));
      }
      out.group = &group;
    }
    if (out.group == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--budgets: row '", row, "' is none of the results folders given"));
    }
    const std::vector<SizeSummary> summaries = Summarize(*out.group);
    for (const auto& column : columns) {
      auto it = std::find_if(column.sizes.begin(), column.sizes.end(), [&](const auto& p) { return p.first == row; });
      if (it == column.sizes.end()) {
        out.cells.push_back(SizeSummary{});  // size 0: not in this column
        continue;
      }
      auto summary = std::find_if(summaries.begin(), summaries.end(),
                                  [&](const SizeSummary& s) { return s.size == it->second; });
      if (summary == summaries.end()) {
        std::vector<int64_t> sizes;
        for (const auto& s : summaries) sizes.push_back(s.size);
        return absl::InvalidArgumentError(absl::StrCat("--budgets: column ", column.name, " asks row '", row,
                                                       "' for an ensemble of ", it->second, "; its runs have sizes ",
                                                       absl::StrJoin(sizes, ",")));
      }
      out.cells.push_back(*summary);
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

}  // namespace ens::report
