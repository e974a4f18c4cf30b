// What every gnuplot figure of //:report shares: a setting's style (one
// colour and point type in every panel of every figure), and the layout of
// panels on a grid with one legend, in the grid's free last cell or else in
// a column of its own on the right, so that a dozen settings with long
// labels take no room from the curves and hide none.
#ifndef ENSEMBLES_TOOLS_REPORT_FIGURE_H_
#define ENSEMBLES_TOOLS_REPORT_FIGURE_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ens::report {

// A string literal for gnuplot (single quotes; '' inside).
std::string GnuplotQuoted(const std::string& text);

// Setting `setting`'s colour and, with `points`, point type (16 colours and
// 14 point types, then other dash patterns); `dash` 1 for a second curve of
// the same setting (dashed where the first is solid). Point type 7 (the
// filled circle) is left for marks that are no setting's.
std::string SettingStyle(size_t setting, bool points, int dash = 0);

// One entry of a figure's legend: a plot style ("linespoints ...") and its
// text.
struct LegendEntry {
  std::string style, title;
};

// The legend of the settings in `labels` (setting -> label), in the order
// of settings: `with` ("linespoints", "lines") in each one's style.
std::vector<LegendEntry> SettingsLegend(const std::map<size_t, std::string>& labels, const std::string& with);

// `text` in lines of at most `width` characters, broken after ", " or ":"
// or before " (" where it can be, else within a word.
std::vector<std::string> WrappedLegendText(const std::string& text, size_t width);

// gnuplot lines for one figure: Begin (state reset, output, title), then
// before each panel's `plot` Panel(i), then End(legend).
class FigureGrid {
 public:
  // `panels` on a grid of `columns`; 0 chooses: one or two side by side, up
  // to four as 2 x 2, else rows of three.
  explicit FigureGrid(size_t panels, size_t columns = 0);

  std::string Begin(const std::string& output, const std::string& title) const;
  std::string Panel(size_t index) const;
  std::string End(const std::vector<LegendEntry>& legend) const;

  // Whether the legend takes the grid's last cell (the panels leave it free).
  bool LegendInGrid() const { return rows_ * columns_ > panels_; }

 private:
  double GridWidth() const;

  size_t panels_, columns_, rows_;
};

}  // namespace ens::report

#endif  // ENSEMBLES_TOOLS_REPORT_FIGURE_H_
