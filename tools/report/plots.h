// The report's figures, drawn by gnuplot (not by drawing code of ours), each
// as PNG and SVG:
//   metrics_vs_size: error, NLL, calibrated NLL and DEE against ensemble
//                    size, one line per setting (mean over its seeds);
//   training:        the learning rate and the training loss per epoch of
//                    each setting's first run (all its members and phases
//                    in order), the seed lecture's schedule figures.
// The data files and the gnuplot script stay beside the figures, so a user
// can restyle them (`gnuplot DIR/plots.gp`). Their layout and styles:
// figure.h.
#ifndef ENSEMBLES_TOOLS_REPORT_PLOTS_H_
#define ENSEMBLES_TOOLS_REPORT_PLOTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/report/run_set.h"

namespace ens::report {

absl::Status DrawPlots(const std::vector<RunGroup>& groups, const std::string& dir,
                       const std::string& gnuplot = "gnuplot");

// Runs `gnuplot` on `script_file`, its stderr to `errors_file`: a missing
// gnuplot or a failed script is one error naming it (the script's last
// error line).
absl::Status RunGnuplot(const std::string& gnuplot, const std::string& script_file, const std::string& errors_file);

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_PLOTS_H_
