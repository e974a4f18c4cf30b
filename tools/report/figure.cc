#include "tools/report/figure.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace ens::report {
namespace {

// The grid's share of the height under the figure's title, and of the width
// beside a legend column.
constexpr double kGridHeight = 0.95, kGridWidthBesideLegend = 0.73;

// Legend text per line: the narrowest legend (a column beside the grid) holds
// about 55 characters at the key's font.
constexpr size_t kLegendWidth = 48;

}  // namespace

std::string GnuplotQuoted(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
}

std::string SettingStyle(size_t setting, bool points, int dash) {
  // Tableau's ten, then six darker: told apart on screen and in print; no black (the legend's own marks).
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                         "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
                                         "#8c6d31", "#843c39", "#7b4173", "#a55194"};
  static const int kPoints[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  constexpr size_t kColourCount = sizeof(kColours) / sizeof(kColours[0]);
  constexpr size_t kPointCount = sizeof(kPoints) / sizeof(kPoints[0]);
  // Past 16 settings solid becomes dash pattern 3 and dashed 4: a first curve never looks like a second.
  return absl::StrCat("linecolor rgb '", kColours[setting % kColourCount], "' dashtype ",
                      1 + 2 * (setting / kColourCount) + dash,
                      points ? absl::StrCat(" pointtype ", kPoints[setting % kPointCount]) : "");
}

std::vector<LegendEntry> SettingsLegend(const std::map<size_t, std::string>& labels, const std::string& with) {
  std::vector<LegendEntry> out;
  for (const auto& [setting, label] : labels) {
    out.push_back({absl::StrCat(with, " ", SettingStyle(setting, with == "linespoints")), label});
  }
  return out;
}

std::vector<std::string> WrappedLegendText(const std::string& text, size_t width) {
  if (text.empty()) return {"-"};  // gnuplot draws no entry for an empty title
  width = std::max<size_t>(width, 1);
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts = i > 0 && (text.compare(i - 1, 2, ", ") == 0 || text[i - 1] == ':' ||
                                  text.compare(i, 2, " (") == 0);
    if (starts) pieces.emplace_back();
    pieces.back().push_back(text[i]);
  }
  std::vector<std::string> lines(1);
  for (std::string piece : pieces) {
    if (!lines.back().empty() && lines.back().size() + piece.size() > width) {
      if (piece[0] == ' ') piece.erase(0, 1);
      lines.emplace_back();
    }
    while (lines.back().size() + piece.size() > width) {  // a piece longer than a line
      const size_t room = width - lines.back().size();
      lines.back() += piece.substr(0, room);
      piece.erase(0, room);
      lines.emplace_back();
    }
    lines.back() += piece;
  }
  return lines;
}

FigureGrid::FigureGrid(size_t panels, size_t columns)
    : panels_(std::max<size_t>(panels, 1)),
      columns_(columns ? columns : panels_ <= 2 ? panels_ : panels_ <= 4 ? 2 : 3),
      rows_((panels_ + columns_ - 1) / columns_) {}

double FigureGrid::GridWidth() const { return LegendInGrid() ? 1.0 : kGridWidthBesideLegend; }

std::string FigureGrid::Begin(const std::string& output, const std::string& title) const {
  // reset keeps the terminal and the output file: each figure starts from gnuplot's defaults.
  return absl::StrCat("reset\nset grid\nunset key\nset output ", GnuplotQuoted(output), "\nset multiplot title ",
                      GnuplotQuoted(title), "\n");
}

std::string FigureGrid::Panel(size_t index) const {
  const double width = GridWidth() / static_cast<double>(columns_);
  const double height = kGridHeight / static_cast<double>(rows_);
  return absl::StrFormat("set origin %.4f,%.4f\nset size %.4f,%.4f\n", width * static_cast<double>(index % columns_),
                         kGridHeight - height * static_cast<double>(index / columns_ + 1), width, height);
}

std::string FigureGrid::End(const std::vector<LegendEntry>& legend) const {
  // The legend's place: the last cell, or a column of the figure's height.
  std::string place = LegendInGrid() ? Panel(rows_ * columns_ - 1)
                                     : absl::StrFormat("set origin %.4f,0\nset size %.4f,%.4f\n",
                                                       kGridWidthBesideLegend, 1.0 - kGridWidthBesideLegend,
                                                       kGridHeight);
  // Curves drawn out of range (y = 2 over [0:1]) leave only their keys (keyentry alone fails an assertion
  // in gnuplot 5.4).
  std::string out = absl::StrCat(
      place,
      "unset title\nunset border\nunset tics\nunset grid\nunset xlabel\nunset ylabel\nunset logscale\n"
      "set xrange [0:1]\nset yrange [0:1]\nset key inside left top Left reverse samplen 3 spacing 1.1 font ',10'\n"
      "plot ");
  for (size_t i = 0; i < legend.size(); ++i) {
    // gnuplot's key gives a title of several lines one line's room: the others are entries without a sample.
    const std::vector<std::string> lines = WrappedLegendText(legend[i].title, kLegendWidth);
    for (size_t l = 0; l < lines.size(); ++l) {
      absl::StrAppend(&out, i || l ? ", " : "", "2 with ", l ? "lines linetype nodraw" : legend[i].style, " title ",
                      GnuplotQuoted(l ? absl::StrCat("  ", lines[l]) : lines[l]));
    }
  }
  return absl::StrCat(out, "\nunset multiplot\n");
}

}  // namespace ens::report
