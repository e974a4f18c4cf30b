#include "tools/report/tables.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/csv_field.h"
#include "core/short_number.h"

namespace ens::report {
namespace {

bool Shown(int64_t size, const std::vector<int64_t>& sizes) {
  return sizes.empty() || std::find(sizes.begin(), sizes.end(), size) != sizes.end();
}

std::string Cell(const Stat& stat, int decimals) {
  if (stat.count == 0) return "-";
  if (stat.count == 1) return absl::StrFormat("%.*f", decimals, stat.mean);
  return absl::StrFormat("%.*f ± %.*f", decimals, stat.mean, decimals, stat.spread);
}

// Counts (parameters, FLOPs): the mean, short; seeds do not change them.
std::string ShortCell(const Stat& stat) { return stat.count == 0 ? "-" : ShortNumber(stat.mean); }

std::string CsvNumber(const Stat& stat, double value) { return stat.count == 0 ? "" : absl::StrFormat("%.6g", value); }

// Counts whole, not "1.09283e+06".
std::string CsvCount(const Stat& stat) { return stat.count == 0 ? "" : absl::StrFormat("%.0f", stat.mean); }

// mean and sd of each statistic, in the CSV's column order.
std::vector<std::string> CsvStats(const SizeSummary& s) {
  std::vector<std::string> cells;
  for (const Stat* stat : {&s.error, &s.nll, &s.cnll, &s.brier, &s.ece, &s.dee}) {
    cells.push_back(CsvNumber(*stat, stat->mean));
    cells.push_back(CsvNumber(*stat, stat->spread));
  }
  return cells;
}

// A group's epochs; `none` for a pool of other runs, which trained none.
std::string EpochsCell(int64_t epochs, absl::string_view none = "-") {
  return epochs ? absl::StrCat(epochs) : std::string(none);
}

constexpr char kCsvStatHeader[] =
    "error_mean,error_sd,nll_mean,nll_sd,cnll_mean,cnll_sd,brier_mean,brier_sd,ece_mean,ece_sd,dee_mean,dee_sd";

}  // namespace

std::string MarkdownTable(const std::vector<RunGroup>& groups, const std::vector<int64_t>& sizes, bool cost) {
  std::string out = absl::StrCat(
      "| method | model | dataset | epochs | size | seeds | error % | NLL | cNLL | Brier | ECE | DEE |",
      cost ? " parameters | train FLOPs / image | predict s |" : "", "\n",
      "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", cost ? "---:|---:|---:|" : "", "\n");
  for (const auto& group : groups) {
    bool first = true;
    const std::vector<SizeSummary> summaries = Summarize(group);
    const CostSummary costs = SummarizeCost(group);
    for (const auto& s : summaries) {
      if (!Shown(s.size, sizes)) continue;
      const std::string head =
          first ? absl::StrCat(group.label, " | ", group.model, " | ", group.dataset, " | ", EpochsCell(group.epochs))
                : " |  |  | ";
      absl::StrAppend(&out, "| ", head, " | ", s.size, " | ", s.error.count, " | ", Cell(s.error, 2), " | ",
                      Cell(s.nll, 4), " | ", Cell(s.cnll, 4), " | ", Cell(s.brier, 4), " | ", Cell(s.ece, 4), " | ",
                      Cell(s.dee, 2), " |");
      if (cost) {
        const bool whole = s.size == summaries.back().size;
        absl::StrAppend(&out, " ", whole ? ShortCell(costs.parameters) : "", " | ",
                        whole ? ShortCell(costs.train_flops_per_image) : "", " | ",
                        whole ? Cell(costs.predict_seconds, 2) : "", " |");
      }
      absl::StrAppend(&out, "\n");
      first = false;
    }
  }
  return out;
}

std::string CsvTable(const std::vector<RunGroup>& groups, const std::vector<int64_t>& sizes, bool cost) {
  std::string out = absl::StrCat("method,label,model,dataset,epochs,size,seeds,", kCsvStatHeader,
                                 cost ? ",parameters,train_flops_per_image,predict_seconds_mean,predict_seconds_sd" : "",
                                 "\n");
  for (const auto& group : groups) {
    const std::vector<SizeSummary> summaries = Summarize(group);
    const CostSummary costs = SummarizeCost(group);
    for (const auto& s : summaries) {
      if (!Shown(s.size, sizes)) continue;
      std::vector<std::string> cells = {CsvField(group.method), CsvField(group.label), CsvField(group.model),
                                        CsvField(group.dataset), EpochsCell(group.epochs, ""), absl::StrCat(s.size),
                                        absl::StrCat(s.error.count)};
      absl::StrAppend(&out, absl::StrJoin(cells, ","), ",", absl::StrJoin(CsvStats(s), ","));
      if (cost) {
        const bool whole = s.size == summaries.back().size;
        const Stat none;
        const Stat& parameters = whole ? costs.parameters : none;
        const Stat& flops = whole ? costs.train_flops_per_image : none;
        const Stat& seconds = whole ? costs.predict_seconds : none;
        absl::StrAppend(&out, ",", CsvCount(parameters), ",", CsvCount(flops), ",",
                        CsvNumber(seconds, seconds.mean), ",", CsvNumber(seconds, seconds.spread));
      }
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

std::string BudgetMarkdown(const std::vector<BudgetRow>& rows, const std::vector<BudgetColumn>& columns) {
  struct Metric {
    const char* title;
    Stat SizeSummary::*stat;
    int decimals;
  };
  const Metric metrics[] = {{"error %", &SizeSummary::error, 2},
                            {"NLL", &SizeSummary::nll, 4},
                            {"cNLL", &SizeSummary::cnll, 4},
                            {"DEE", &SizeSummary::dee, 2}};
  std::string header = "| row | method | epochs |";
  std::string rule = "|---|---|---:|";
  for (const auto& column : columns) {
    absl::StrAppend(&header, " ", column.name, " |");
    absl::StrAppend(&rule, "---:|");
  }
  std::string out =
      "At equal training budgets: each row's ensemble at the size it had reached within the column's budget "
      "(the size in brackets).\n";
  for (const Metric& metric : metrics) {
    absl::StrAppend(&out, "\n**", metric.title, "**\n\n", header, "\n", rule, "\n");
    for (const auto& row : rows) {
      absl::StrAppend(&out, "| ", row.row, " | ", row.group->label, " | ", EpochsCell(row.group->epochs), " |");
      for (const auto& cell : row.cells) {
        absl::StrAppend(&out, " ", cell.size == 0 ? "" : absl::StrCat(Cell(cell.*metric.stat, metric.decimals),
                                                                          " (", cell.size, ")"),
                        " |");
      }
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

std::string BudgetCsv(const std::vector<BudgetRow>& rows, const std::vector<BudgetColumn>& columns) {
  std::string out = absl::StrCat("budget,row,method,label,epochs,size,seeds,", kCsvStatHeader, "\n");
  for (size_t c = 0; c < columns.size(); ++c) {
    for (const auto& row : rows) {
      const SizeSummary& s = row.cells[c];
      if (s.size == 0) continue;
      const std::vector<std::string> cells = {CsvField(columns[c].name), CsvField(row.row),
                                              CsvField(row.group->method), CsvField(row.group->label),
                                              EpochsCell(row.group->epochs, ""), absl::StrCat(s.size),
                                              absl::StrCat(s.error.count)};
      absl::StrAppend(&out, absl::StrJoin(cells, ","), ",", absl::StrJoin(CsvStats(s), ","), "\n");
    }
  }
  return out;
}

}  // namespace ens::report
