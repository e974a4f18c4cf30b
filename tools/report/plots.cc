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

namespace ens::report {
namespace {

std::string Value(const Stat& stat) { return stat.count ? absl::StrFormat("%.8g", stat.mean) : "NaN"; }

std::string ShellQuoted(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

struct Series {
  std::string file, title;
  size_t setting = 0;  // its style: one colour, point and dash per setting in every panel
};

// gnuplot's default palette has 8 colours; past 8 settings the dash pattern
// changes, and every setting has its own point type where points are drawn
// (gnuplot warns about a point type on `lines` or `steps`).
std::string Style(size_t setting, bool points) {
  return absl::StrCat("linetype ", setting % 8 + 1, " dashtype ", setting / 8 + 1,
                      points ? absl::StrCat(" pointtype ", setting + 1) : "");
}

// `plot` over the series that have data; empty when none has.
std::string PlotCommand(const std::vector<Series>& series, const std::string& columns, const std::string& style) {
  std::string command;
  for (const auto& s : series) {
    absl::StrAppend(&command, command.empty() ? "plot " : ", ", GnuplotQuoted(s.file), " using ", columns,
                    " with ", style, " ", Style(s.setting, style == "linespoints"), " title ", GnuplotQuoted(s.title));
  }
  return command;
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

  std::string script = "# Written by //tools/report; rerun with: gnuplot plots.gp\nset grid\n"
                       // Beside each panel, so that no legend hides a curve.
                       "set key outside right top font ',8' spacing 0.9 box\n";
  for (const auto& [terminal, extension] :
       std::vector<std::pair<std::string, std::string>>{{"pngcairo size 1800,1000 noenhanced", "png"},
                                                        {"svg size 1800,1000 noenhanced dynamic", "svg"}}) {
    absl::StrAppend(&script, "set terminal ", terminal, "\n");
    // Metrics against ensemble size.
    std::vector<std::pair<std::string, const std::vector<Series>*>> panels;
    for (const auto& panel : std::vector<std::pair<std::string, const std::vector<Series>*>>{
             {"test error, %", &error}, {"NLL", &nll}, {"calibrated NLL", &cnll}, {"DEE", &dee}}) {
      if (!panel.second->empty()) panels.push_back(panel);
    }
    if (!panels.empty()) {
      absl::StrAppend(&script, "set output ", GnuplotQuoted(absl::StrCat(dir, "/metrics_vs_size.", extension)), "\n",
                      "set multiplot layout ", (panels.size() + 1) / 2, ",", panels.size() > 1 ? 2 : 1,
                      " title 'metrics against ensemble size (mean over seeds)'\n",
                      largest > 2 ? "set logscale x 2\n" : "unset logscale x\n", "set xlabel 'ensemble size'\n");
      const std::map<std::string, int> column = {{"test error, %", 2}, {"NLL", 3}, {"calibrated NLL", 4}, {"DEE", 5}};
      for (const auto& [name, series] : panels) {
        absl::StrAppend(&script, "set ylabel ", GnuplotQuoted(name), "\n",
                        PlotCommand(*series, absl::StrCat("1:", column.at(name)), "linespoints"), "\n");
      }
      absl::StrAppend(&script, "unset multiplot\nunset logscale x\n");
    }
    if (!training.empty()) {
      absl::StrAppend(&script, "set output ", GnuplotQuoted(absl::StrCat(dir, "/training.", extension)), "\n",
                      "set multiplot layout 2,1 title 'training (first seed of each setting)'\n",
                      "set xlabel 'epoch (all members and phases of the run, in order)'\n",
                      "set ylabel 'learning rate'\n", PlotCommand(training, "1:2", "steps"), "\n",
                      "set ylabel 'training loss'\nset logscale y\n", PlotCommand(training, "1:3", "lines"), "\n",
                      "unset logscale y\nunset multiplot\n");
    }
  }
  const std::string script_file = absl::StrCat(dir, "/plots.gp");
  const std::string errors_file = absl::StrCat(dir, "/data/gnuplot.err");
  ENS_RETURN_IF_ERROR(WriteFileAtomically(script_file, script));
  return RunGnuplot(gnuplot, script_file, errors_file);
}

std::string GnuplotQuoted(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
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
