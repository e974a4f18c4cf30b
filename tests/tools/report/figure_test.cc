#include "tools/report/figure.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace ens::report {
namespace {

// The text of `lines` joined back: a line break at a space ate that space.
std::string Joined(const std::vector<std::string>& lines, const std::string& original) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty() && original.compare(out.size(), 1, " ") == 0) out += " ";
    out += line;
  }
  return out;
}

TEST(WrappedLegendText, BreaksAtCommasColonsAndParenthesesWithinTheWidth) {
  const std::string pooled =
      "combine (runs=deep_ensemble_s0:deep_ensemble_s1:deep_ensemble_s2), mean of 20 member orders";
  const std::vector<std::string> lines = WrappedLegendText(pooled, 30);
  EXPECT_EQ(lines, (std::vector<std::string>{"combine", "(runs=deep_ensemble_s0:", "deep_ensemble_s1:",
                                             "deep_ensemble_s2),", "mean of 20 member orders"}));
  EXPECT_EQ(Joined(lines, pooled), pooled);
  EXPECT_EQ(WrappedLegendText("mc_dropout (weights_from=deep_ensemble_s0)", 48),
            std::vector<std::string>{"mc_dropout (weights_from=deep_ensemble_s0)"});
}

TEST(WrappedLegendText, CutsAWordLongerThanALineAndKeepsEveryCharacter) {
  const std::string word(25, 'x');
  const std::string text = "run " + word + ", b";
  const std::vector<std::string> lines = WrappedLegendText(text, 10);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 10u) << line;
  EXPECT_EQ(absl::StrJoin(lines, ""), "run " + word + ",b");  // the break after ", " eats its space
  EXPECT_EQ(WrappedLegendText("", 10), std::vector<std::string>{"-"});  // an empty title would be no entry
  EXPECT_EQ(WrappedLegendText("ab", 0), (std::vector<std::string>{"a", "b"}));  // no width: a character a line
}

TEST(SettingStyle, SixteenColoursFourteenPointTypesAndNoFilledCircle) {
  std::set<std::string> styles;
  for (size_t setting = 0; setting < 32; ++setting) {
    const std::string style = SettingStyle(setting, true);
    EXPECT_FALSE(absl::EndsWith(style, " pointtype 7")) << style;
    EXPECT_TRUE(styles.insert(style).second) << "two settings look alike: " << style;
    EXPECT_NE(SettingStyle(setting, true, 0), SettingStyle(setting, true, 1));
  }
  std::set<std::string> colours;
  for (size_t setting = 0; setting < 16; ++setting) colours.insert(SettingStyle(setting, false).substr(0, 23));
  EXPECT_EQ(colours.size(), 16u);
  EXPECT_EQ(colours.count("linecolor rgb '#000000'"), 0u);  // black: the legend's marks that are no setting's
  // Past the palette a setting's first curve is not dashed like an earlier setting's second.
  EXPECT_NE(SettingStyle(16, false, 0), SettingStyle(0, false, 1));
  const std::vector<LegendEntry> legend = SettingsLegend({{3, "swag"}, {0, "deep_ensemble"}}, "linespoints");
  ASSERT_EQ(legend.size(), 2u);
  EXPECT_EQ(legend[0].title, "deep_ensemble");
  EXPECT_EQ(legend[1].style, "linespoints " + SettingStyle(3, true));
  EXPECT_EQ(SettingsLegend({{3, "swag"}}, "lines")[0].style, "lines " + SettingStyle(3, false));
}

// origin x, y and size w, h of a Panel() placement.
std::vector<double> Placement(const std::string& lines) {
  std::vector<double> v(4);
  EXPECT_EQ(std::sscanf(lines.c_str(), "set origin %lf,%lf\nset size %lf,%lf", &v[0], &v[1], &v[2], &v[3]), 4)
      << lines;
  return v;
}

TEST(FigureGrid, TheLegendTakesAFreeCellElseAColumnBesideThePanels) {
  const FigureGrid five(5);  // 2 x 3, the sixth cell free
  EXPECT_TRUE(five.LegendInGrid());
  const std::vector<double> last = Placement(five.Panel(4)), cell = Placement(five.Panel(5));
  EXPECT_NEAR(last[0] + last[2], cell[0], 1e-3);  // the legend's cell right of the fifth panel
  EXPECT_NEAR(cell[0] + cell[2], 1.0, 1e-3);
  const std::string legend = five.End({{"linespoints lc 1", "a"}});
  EXPECT_NE(legend.find(five.Panel(5)), std::string::npos) << legend;

  const FigureGrid four(4);  // 2 x 2, no free cell: a column on the right
  EXPECT_FALSE(four.LegendInGrid());
  const std::vector<double> right = Placement(four.Panel(1)), below = Placement(four.Panel(3));
  EXPECT_NEAR(right[0] + right[2], below[0] + below[2], 1e-3);
  EXPECT_LT(right[0] + right[2], 0.8);
  const std::string column = four.End({{"lines lc 1", "a"}});
  const std::vector<double> key = Placement(column);
  EXPECT_NEAR(key[0], right[0] + right[2], 1e-3);
  EXPECT_NEAR(key[0] + key[2], 1.0, 1e-3);

  for (size_t panels : {1, 2, 3, 6, 7}) {
    const FigureGrid grid(panels);
    for (size_t i = 0; i < panels; ++i) {
      const std::vector<double> p = Placement(grid.Panel(i));
      EXPECT_GE(p[0], 0.0);
      EXPECT_GE(p[1], 0.0);
      EXPECT_LE(p[0] + p[2], grid.LegendInGrid() ? 1.0 + 1e-6 : 0.731) << panels << " panels, panel " << i;
      EXPECT_LE(p[1] + p[3], 0.951);  // under the title
    }
  }
}

TEST(FigureGrid, ALongTitleGoesOnAsEntriesWithoutASample) {
  const std::string script =
      FigureGrid(5).End({{"linespoints linecolor rgb '#1f77b4'", std::string(30, 'a') + ", " + std::string(30, 'b')},
                         {"lines linecolor rgb '#000000'", "it's"}});
  EXPECT_NE(script.find("2 with linespoints linecolor rgb '#1f77b4' title '" + std::string(30, 'a') + ",'"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("2 with lines linetype nodraw title '  " + std::string(30, 'b') + "'"), std::string::npos)
      << script;
  EXPECT_NE(script.find("title 'it''s'"), std::string::npos) << script;
  EXPECT_NE(script.find("unset multiplot"), std::string::npos);
}

}  // namespace
}  // namespace ens::report
