// The report's view of --ood and --shift runs (Ovadia et al. 2019's
// figures): per setting, each shift metric against severity (over
// corruptions: the median, the mean, the quartiles as a band), and OOD
// AUROC against ensemble size per score; Markdown tables of both at each
// setting's largest ensemble. Runs without those sets are left out.
#ifndef ENSEMBLES_TOOLS_REPORT_ROBUSTNESS_H_
#define ENSEMBLES_TOOLS_REPORT_ROBUSTNESS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/report/run_set.h"

namespace ens::report {

// Whether `run`'s ood and shift sections (if any) read as the driver writes
// them; the error names its results.json. The functions below expect runs
// that passed.
absl::Status CheckRobustnessSections(const Run& run);

// The two tables, or "" when no run holds OOD or shift results.
std::string RobustnessMarkdown(const std::vector<RunGroup>& groups);

// shift_vs_severity.{png,svg} and ood_auroc_vs_size.{png,svg} in `dir` (data
// and script beside them, as DrawPlots'); nothing without such runs.
absl::Status DrawRobustnessPlots(const std::vector<RunGroup>& groups, const std::string& dir,
                                 const std::string& gnuplot = "gnuplot");

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_ROBUSTNESS_H_
