#include "tools/report/plots.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "tools/report/figure.h"

namespace ens::report {
namespace {

std::string Value(const Stat& stat) { return stat.count ? absl::StrFormat("%.8g", stat.mean) : "NaN"; }

std::string ShellQuoted(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

struct Series {
  std::string file, title;
  size_t setting = 0;  // its style: one colour and point type per setting in every figure
};

// `plot` over the series that have data, the legend apart; empty when none
// has.
std::string PlotCommand(const std::vector<Series>& series, const std::string& columns, const std::string& style) {
  std::string command;
  for (const auto& s : series) {
    absl::StrAppend(&command, command.empty() ? "plot " : ", ", GnuplotQuoted(s.file), " using ", columns,
                    " with ", style, " ", SettingStyle(s.setting, style == "linespoints"), " notitle");
  }
  return command;
}

std::vector<LegendEntry> Legend(const std::vector<Series>& series, const std::string& with) {
  std::map<size_t, std::string> labels;
  for (const auto& s : series) labels.emplace(s.setting, s.title);
  return SettingsLegend(labels, with);
}

}  // namespace

absl::Status DrawPlots(const std::vector<RunGroup>& groups, const std::string& dir, const std::string& gnuplot) {
  ENS_RETURN_IF_ERROR(MakeDirectories(absl::StrCat(dir, "/data")));
  // Per panel, the settings with at least one value to draw.
  std::vector<Series> error, nll, cnll, dee, training;
  int64_t largest = 1;
  for (size_t g = 0; g < groups.size(); ++g) {
    const RunGroup& group = groups[g];
    const std::string sizes_file = absl::StrFormat("%s/data/setting_%02d_sizes.dat", dir, g);
    std::string table = absl::StrCat("# ", group.label, " / ", group.model, " / ", group.dataset,
                                     ": size error nll cnll dee (means over ", group.runs.size(), " runs)\n");
    bool has[4] = {false, false, false, false};
    for (const auto& s : Summarize(group)) {
      absl::StrAppend(&table, s.size, " ", Value(s.error), " ", Value(s.nll), " ", Value(s.cnll), " ", Value(s.dee),
                      "\n");
      has[0] |= s.error.count > 0;
      has[1] |= s.nll.count > 0;
      has[2] |= s.cnll.count > 0;
      has[3] |= s.dee.count > 0;
      largest = std::max(largest, s.size);
    }
    ENS_RETURN_IF_ERROR(WriteFileAtomically(sizes_file, table));
    const Series series{sizes_file, DistinctLabel(groups, g), g};
    if (has[0]) error.push_back(series);
    if (has[1]) nll.push_back(series);
    if (has[2]) cnll.push_back(series);
    if (has[3]) dee.push_back(series);

    const Run& first = group.runs.front();
    if (!first.history.empty()) {
      const std::string history_file = absl::StrFormat("%s/data/setting_%02d_training.dat", dir, g);
      std::string rows = absl::StrCat("# ", group.label, ", seed ", first.seed,
                                      ": epoch (over all runs) lr loss member phase\n");
      for (size_t e = 0; e < first.history.size(); ++e) {
        const EpochPoint& p = first.history[e];
        absl::StrAppend(&rows, e + 1, " ", absl::StrFormat("%.8g", p.lr), " ",
                        p.loss ? absl::StrFormat("%.8g", *p.loss) : "NaN", " ", p.member, " ", p.phase, "\n");
      }
      ENS_RETURN_IF_ERROR(WriteFileAtomically(history_file, rows));
      training.push_back({history_file, DistinctLabel(groups, g), g});
    }
  }

  std::string script = "# Written by //tools/report; rerun with: gnuplot plots.gp\n";
  for (const auto& [terminal, extension] :
       std::vector<std::pair<std::string, std::string>>{{"pngcairo size 1800,1000 noenhanced", "png"},
                                                        {"svg size 1800,1000 noenhanced dynamic", "svg"}}) {
    absl::StrAppend(&script, "set terminal ", terminal, "\n");
    // Metrics against ensemble size; the legend names every setting of any panel.
    std::vector<std::pair<std::string, const std::vector<Series>*>> panels;
    std::vector<Series> in_any;
    for (const auto& panel : std::vector<std::pair<std::string, const std::vector<Series>*>>{
             {"test error, %", &error}, {"NLL", &nll}, {"calibrated NLL", &cnll}, {"DEE", &dee}}) {
      if (panel.second->empty()) continue;
      panels.push_back(panel);
      in_any.insert(in_any.end(), panel.second->begin(), panel.second->end());
    }
    if (!panels.empty()) {
      const FigureGrid grid(panels.size());
      absl::StrAppend(&script,
                      grid.Begin(absl::StrCat(dir, "/metrics_vs_size.", extension),
                                 "metrics against ensemble size (mean over seeds)"),
                      largest > 2 ? "set logscale x 2\n" : "", "set xlabel 'ensemble size'\n");
      const std::map<std::string, int> column = {{"test error, %", 2}, {"NLL", 3}, {"calibrated NLL", 4}, {"DEE", 5}};
      for (size_t p = 0; p < panels.size(); ++p) {
        const auto& [name, series] = panels[p];
        absl::StrAppend(&script, grid.Panel(p), "set ylabel ", GnuplotQuoted(name), "\n",
                        PlotCommand(*series, absl::StrCat("1:", column.at(name)), "linespoints"), "\n");
      }
      absl::StrAppend(&script, grid.End(Legend(in_any, "linespoints")));
    }
    if (!training.empty()) {
      const FigureGrid grid(2, 1);  // long epoch axes, one above the other
      absl::StrAppend(&script,
                      grid.Begin(absl::StrCat(dir, "/training.", extension), "training (first seed of each setting)"),
                      "set xlabel 'epoch (all members and phases of the run, in order)'\n", grid.Panel(0),
                      "set ylabel 'learning rate'\n", PlotCommand(training, "1:2", "steps"), "\n", grid.Panel(1),
                      "set ylabel 'training loss'\nset logscale y\n", PlotCommand(training, "1:3", "lines"), "\n",
                      grid.End(Legend(training, "lines")));
    }
  }
  const std::string script_file = absl::StrCat(dir, "/plots.gp");
  const std::string errors_file = absl::StrCat(dir, "/data/gnuplot.err");
  ENS_RETURN_IF_ERROR(WriteFileAtomically(script_file, script));
  return RunGnuplot(gnuplot, script_file, errors_file);
}

absl::Status RunGnuplot(const std::string& gnuplot, const std::string& script_file, const std::string& errors_file) {
  const int status = std::system(
      absl::StrCat(ShellQuoted(gnuplot), " ", ShellQuoted(script_file), " 2>", ShellQuoted(errors_file)).c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 127) {
    return absl::FailedPreconditionError(absl::StrCat("--gnuplot=", gnuplot,
                                                      " not found: install gnuplot-nox (setup.sh does) or pass "
                                                      "--plots=false"));
  }
  if (code != 0) {
    std::ifstream in(errors_file);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return absl::InternalError(absl::StrCat(script_file, ": gnuplot failed (exit ", code, "): ", last));
  }
  return absl::OkStatus();
}

}  // namespace ens::report
