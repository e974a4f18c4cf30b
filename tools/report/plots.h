// The report's figures, drawn by gnuplot (not by drawing code of ours), each
// as PNG and SVG:
//   metrics_vs_size: error, NLL, calibrated NLL and DEE against ensemble
//                    size, one line per setting (mean over its seeds);
//   training:        the learning rate and the training loss per epoch of
//                    each setting's first run (all its members and phases
//                    in order), the seed lecture's schedule figures.
// The data files and the gnuplot script stay beside the figures, so a user
// can restyle them (`gnuplot DIR/plots.gp`). Every figure of a report gives
// a setting the same colour and point type, and has one legend, in a column
// of its own right of the panels: a dozen settings with long labels take no
// room from the curves.
#ifndef ENSEMBLES_TOOLS_REPORT_PLOTS_H_
#define ENSEMBLES_TOOLS_REPORT_PLOTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/report/run_set.h"

namespace ens::report {

absl::Status DrawPlots(const std::vector<RunGroup>& groups, const std::string& dir,
                       const std::string& gnuplot = "gnuplot");

// A string literal for gnuplot (single quotes; '' inside).
std::string GnuplotQuoted(const std::string& text);

// Setting `setting`'s colour and point type (16 colours, then dash patterns),
// and `dash` for a second curve of the same setting (0: the setting's own).
std::string SettingStyle(size_t setting, bool points, int dash = 0);

// One entry of a figure's legend: a plot style ("linespoints ...") and its
// text.
struct LegendEntry {
  std::string style, title;
};

// gnuplot lines for a figure of `panels` plots on a grid of `columns`, with
// the legend column on the right: BeginFigure (state reset, output, title),
// then before each panel's plot PlacePanel, then EndFigure.
std::string BeginFigure(const std::string& output, const std::string& title);
std::string PlacePanel(size_t index, size_t panels, size_t columns);
std::string EndFigure(const std::vector<LegendEntry>& legend);

// Runs `gnuplot` on `script_file`, its stderr to `errors_file`: a missing
// gnuplot or a failed script is one error naming it (the script's last
// error line).
absl::Status RunGnuplot(const std::string& gnuplot, const std::string& script_file, const std::string& errors_file);

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_PLOTS_H_
