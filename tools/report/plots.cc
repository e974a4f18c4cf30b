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

std::vector<LegendEntry> Legend(const std::vector<Series>& series, const std::string& style) {
  std::vector<LegendEntry> out;
  for (const auto& s : series) {
    out.push_back({absl::StrCat(style, " ", SettingStyle(s.setting, style == "linespoints")), s.title});
  }
  return out;
}

// The figure's share of width left of the legend column, and of height
// under the title.
constexpr double kPanelsWidth = 0.73, kPanelsHeight = 0.95;

// A legend text in lines of at most `width` characters where it can break:
// after ", " and before " (" (a pooled run's label is 70 long, the legend
// column about 45 wide).
std::vector<std::string> WrappedTitle(const std::string& text, size_t width = 44) {
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && (text.compare(i - 1, 2, ", ") == 0 || text.compare(i, 2, " (") == 0)) pieces.emplace_back();
    pieces.back().push_back(text[i]);
  }
  std::vector<std::string> lines(1);
  for (const std::string& piece : pieces) {
    if (!lines.back().empty() && lines.back().size() + piece.size() > width) {
      lines.push_back(piece.substr(1));  // without the space it starts with
    } else {
      lines.back() += piece;
    }
  }
  return lines;
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
    std::map<size_t, Series> in_any;
    for (const auto& panel : std::vector<std::pair<std::string, const std::vector<Series>*>>{
             {"test error, %", &error}, {"NLL", &nll}, {"calibrated NLL", &cnll}, {"DEE", &dee}}) {
      if (panel.second->empty()) continue;
      panels.push_back(panel);
      for (const Series& s : *panel.second) in_any.emplace(s.setting, s);
    }
    if (!panels.empty()) {
      const size_t columns = panels.size() > 1 ? 2 : 1;
      absl::StrAppend(&script,
                      BeginFigure(absl::StrCat(dir, "/metrics_vs_size.", extension),
                                  "metrics against ensemble size (mean over seeds)"),
                      largest > 2 ? "set logscale x 2\n" : "", "set xlabel 'ensemble size'\n");
      const std::map<std::string, int> column = {{"test error, %", 2}, {"NLL", 3}, {"calibrated NLL", 4}, {"DEE", 5}};
      for (size_t p = 0; p < panels.size(); ++p) {
        const auto& [name, series] = panels[p];
        absl::StrAppend(&script, PlacePanel(p, panels.size(), columns), "set ylabel ", GnuplotQuoted(name), "\n",
                        PlotCommand(*series, absl::StrCat("1:", column.at(name)), "linespoints"), "\n");
      }
      std::vector<Series> legend;
      for (const auto& [setting, s] : in_any) legend.push_back(s);
      absl::StrAppend(&script, EndFigure(Legend(legend, "linespoints")));
    }
    if (!training.empty()) {
      absl::StrAppend(&script,
                      BeginFigure(absl::StrCat(dir, "/training.", extension), "training (first seed of each setting)"),
                      "set xlabel 'epoch (all members and phases of the run, in order)'\n", PlacePanel(0, 2, 1),
                      "set ylabel 'learning rate'\n", PlotCommand(training, "1:2", "steps"), "\n",
                      PlacePanel(1, 2, 1), "set ylabel 'training loss'\nset logscale y\n",
                      PlotCommand(training, "1:3", "lines"), "\n", EndFigure(Legend(training, "lines")));
    }
  }
  const std::string script_file = absl::StrCat(dir, "/plots.gp");
  const std::string errors_file = absl::StrCat(dir, "/data/gnuplot.err");
  ENS_RETURN_IF_ERROR(WriteFileAtomically(script_file, script));
  return RunGnuplot(gnuplot, script_file, errors_file);
}

std::string SettingStyle(size_t setting, bool points, int dash) {
  // Tableau's ten, then six darker: told apart on screen and in print.
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                         "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
                                         "#8c6d31", "#843c39", "#7b4173", "#000000"};
  constexpr size_t kCount = sizeof(kColours) / sizeof(kColours[0]);
  return absl::StrCat("linecolor rgb '", kColours[setting % kCount], "' dashtype ", setting / kCount + 1 + dash,
                      points ? absl::StrCat(" pointtype ", setting + 1) : "");
}

std::string BeginFigure(const std::string& output, const std::string& title) {
  // reset keeps the terminal and the output file: each figure starts from gnuplot's defaults.
  return absl::StrCat("reset\nset grid\nunset key\nset output ", GnuplotQuoted(output), "\nset multiplot title ",
                      GnuplotQuoted(title), "\n");
}

std::string PlacePanel(size_t index, size_t panels, size_t columns) {
  const size_t rows = (panels + columns - 1) / columns;
  const double width = kPanelsWidth / static_cast<double>(columns), height = kPanelsHeight / static_cast<double>(rows);
  return absl::StrFormat("set origin %.4f,%.4f\nset size %.4f,%.4f\n", width * static_cast<double>(index % columns),
                         kPanelsHeight - height * static_cast<double>(index / columns + 1), width, height);
}

std::string EndFigure(const std::vector<LegendEntry>& legend) {
  // Curves drawn out of range (y = 2 over [0:1]) leave only their keys (keyentry alone fails an assertion
  // in gnuplot 5.4).
  std::string out = absl::StrFormat(
      "set origin %.4f,0\nset size %.4f,%.4f\nunset title\nunset border\nunset tics\nunset grid\nunset xlabel\n"
      "unset ylabel\nunset logscale\nset xrange [0:1]\nset yrange [0:1]\n"
      "set key inside left top Left reverse samplen 3 spacing 1.1 font ',10'\nplot ",
      kPanelsWidth, 1.0 - kPanelsWidth, kPanelsHeight);
  for (size_t i = 0; i < legend.size(); ++i) {
    // gnuplot's key gives a title of several lines one line's room: the others are entries without a sample.
    const std::vector<std::string> lines = WrappedTitle(legend[i].title);
    for (size_t l = 0; l < lines.size(); ++l) {
      absl::StrAppend(&out, i || l ? ", " : "", "2 with ", l ? "lines linetype nodraw" : legend[i].style, " title ",
                      GnuplotQuoted(l ? absl::StrCat("  ", lines[l]) : lines[l]));
    }
  }
  return absl::StrCat(out, "\nunset multiplot\n");
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
