// report: compares finished runs in the layout of the reference tables.
//
//   bazel run //:report -- runs/fmnist/*                      # Markdown on stdout
//   bazel run //:report -- --out_dir=report --sizes=1,5,10,30 runs/a runs/b
//   bazel run //:report -- --dee_reference=runs/t/00_deep_ensemble runs/t/*
//
// With --out_dir: report.md, report.csv and (unless --plots=false) the
// gnuplot figures metrics_vs_size.{png,svg} and training.{png,svg}. With
// --budgets=FILE (tools/report/budgets.h) also the tables at equal training
// budgets (in report.md; budgets.csv). Runs evaluated with --ood / --shift
// add their tables and shift_vs_severity / ood_auroc_vs_size figures.
#include <cstdio>
#include <string>
#include <vector>

#include <gflags/gflags.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/user_path.h"
#include "driver/results_file.h"
#include "tools/report/budgets.h"
#include "tools/report/plots.h"
#include "tools/report/robustness.h"
#include "tools/report/run_set.h"
#include "tools/report/tables.h"

DEFINE_string(out_dir, "", "where to write report.md, report.csv and the plots (empty: Markdown to stdout only)");
DEFINE_string(sizes, "", "ensemble sizes to tabulate, e.g. 1,5,10,30 (empty: every size); plots use every size");
DEFINE_string(budgets, "",
              "a budgets file (one column per training budget: row=size ...) to add the tables at equal budgets");
DEFINE_string(dee_reference, "",
              "results.json (or its directory) of a deep_ensemble run: every run's DEE is measured against it, "
              "from the run's calibrated NLL (empty: the DEE each run recorded)");
DEFINE_bool(cost, false,
            "add the runs' cost to the table: parameters stored, training FLOPs per training image, seconds to "
            "predict the test set (each group's largest ensemble)");
DEFINE_bool(plots, true, "draw the figures with gnuplot (needs --out_dir)");
DEFINE_string(gnuplot, "gnuplot", "the gnuplot executable");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("report [--out_dir=DIR] [--sizes=1,5,10] RESULTS_DIR...: the reference-table comparison");
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  if (argc < 2) return Fail("no results directories given (report [flags] RESULTS_DIR...)");
  std::vector<int64_t> sizes;
  for (absl::string_view part : absl::StrSplit(FLAGS_sizes, ',', absl::SkipWhitespace())) {
    int64_t size = 0;
    if (!absl::SimpleAtoi(part, &size) || size < 1) {
      return Fail(absl::StrCat("--sizes: '", part, "' is not a positive integer"));
    }
    sizes.push_back(size);
  }
  std::vector<ens::report::Run> runs;
  for (int i = 1; i < argc; ++i) {
    auto run = ens::report::ReadRun(ens::UserPath(argv[i]));
    if (!run.ok()) return Fail(std::string(run.status().message()));
    if (absl::Status sections = ens::report::CheckRobustnessSections(*run); !sections.ok()) {
      return Fail(std::string(sections.message()));
    }
    runs.push_back(std::move(*run));
  }
  std::string dee_note;
  if (!FLAGS_dee_reference.empty()) {
    auto reference = ens::ReadDeeReference(ens::UserPath(FLAGS_dee_reference));
    if (!reference.ok()) return Fail(std::string(reference.status().message()));
    ens::report::MeasureDeeAgainst(*reference, runs);
    dee_note = absl::StrCat("\nDEE: against the deep ensemble ", FLAGS_dee_reference, " (sizes ",
                            reference->front().first, "-", reference->back().first,
                            "), from each run's calibrated NLL.\n");
  }
  auto groups = ens::report::GroupBySetting(std::move(runs));
  if (!groups.ok()) return Fail(std::string(groups.status().message()));
  std::string markdown = ens::report::MarkdownTable(*groups, sizes, FLAGS_cost);
  std::string budget_csv;
  if (!FLAGS_budgets.empty()) {
    auto columns = ens::report::ReadBudgets(ens::UserPath(FLAGS_budgets));
    if (!columns.ok()) return Fail(std::string(columns.status().message()));
    auto rows = ens::report::ResolveBudgets(*groups, *columns);
    if (!rows.ok()) return Fail(std::string(rows.status().message()));
    absl::StrAppend(&markdown, "\n", ens::report::BudgetMarkdown(*rows, *columns));
    budget_csv = ens::report::BudgetCsv(*rows, *columns);
  }
  markdown += dee_note;
  const std::string robustness = ens::report::RobustnessMarkdown(*groups);
  markdown += robustness;
  std::printf("%s", markdown.c_str());
  if (FLAGS_out_dir.empty()) {
    if (!gflags::GetCommandLineFlagInfoOrDie("plots").is_default && FLAGS_plots) return Fail("--plots needs --out_dir");
    return 0;
  }
  const std::string dir = ens::UserPath(FLAGS_out_dir);
  for (const absl::Status& status :
       {ens::MakeDirectories(dir), ens::WriteFileAtomically(dir + "/report.md", markdown),
        ens::WriteFileAtomically(dir + "/report.csv", ens::report::CsvTable(*groups, sizes, FLAGS_cost))}) {
    if (!status.ok()) return Fail(std::string(status.message()));
  }
  if (!budget_csv.empty()) {
    const absl::Status written = ens::WriteFileAtomically(dir + "/budgets.csv", budget_csv);
    if (!written.ok()) return Fail(std::string(written.message()));
  }
  if (FLAGS_plots) {
    const absl::Status drawn = ens::report::DrawPlots(*groups, dir, FLAGS_gnuplot);
    if (!drawn.ok()) return Fail(std::string(drawn.message()));
    if (!robustness.empty()) {
      const absl::Status robustness_drawn = ens::report::DrawRobustnessPlots(*groups, dir, FLAGS_gnuplot);
      if (!robustness_drawn.ok()) return Fail(std::string(robustness_drawn.message()));
    }
  }
  std::fprintf(stderr, "report: %s/report.md, report.csv%s%s\n", dir.c_str(), budget_csv.empty() ? "" : ", budgets.csv",
               FLAGS_plots ? absl::StrCat(", metrics_vs_size.{png,svg}, training.{png,svg}",
                                          robustness.empty() ? "" : ", shift_vs_severity / ood_auroc_vs_size.{png,svg}")
                                 .c_str()
                           : "");
  return 0;
}
