#include "tools/report/robustness.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/status_macros.h"
#include "driver/results_file.h"
#include "tools/report/figure.h"
#include "tools/report/plots.h"

namespace ens::report {
namespace {

// The mean over corruptions' mark, in a setting's colour on the panels and
// in black in the legend (SettingStyle leaves point type 7 to it).
constexpr char kMeanDot[] = "pointtype 7 pointsize 0.5";

const char* const kShiftMetrics[] = {"error", "nll", "cnll_clean", "cnll_cv", "ece"};
const char* const kShiftTitles[] = {"error, %", "NLL", "NLL at the clean temperature", "calibrated NLL (cv on the set)",
                                    "ECE"};

// A run's largest size in a by_size array.
const nlohmann::json* Largest(const nlohmann::json& by_size) {
  return by_size.empty() ? nullptr : &by_size.back();
}

// Metric `m` of a by_size row; NaN where the driver wrote null (a NaN or
// infinite value: JSON has none).
double MetricOf(const nlohmann::json& row, const char* m) {
  const auto it = row.find(m);
  return it == row.end() || it->is_null() ? std::nan("") : it->get<double>();
}

// Quantile q of `values` (linear between order statistics; NaNs left out).
double Quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double at = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (at - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

std::string Cell(const Stat& s, int decimals) {
  if (s.count == 0) return "-";
  if (s.count == 1) return absl::StrFormat("%.*f", decimals, s.mean);
  return absl::StrFormat("%.*f ± %.*f", decimals, s.mean, decimals, s.spread);
}

// One setting's shift results at its largest size: per severity (0: clean),
// per metric, the corruption means over seeds, and per corruption the value
// averaged over seeds (for the quartiles over corruptions).
struct ShiftSummary {
  std::map<int, std::map<std::string, std::vector<double>>> seed_means;
  std::map<int, std::map<std::string, std::map<std::string, std::vector<double>>>> by_corruption;
  int64_t size = 0;
};

ShiftSummary SummarizeShift(const RunGroup& group) {
  ShiftSummary out;
  for (const Run& run : group.runs) {
    if (run.shift.is_null()) continue;
    const nlohmann::json clean_rows = run.shift.value("clean", nlohmann::json::array());
    if (const nlohmann::json* clean = Largest(clean_rows)) {
      out.size = clean->value("size", int64_t{0});
      for (const char* m : kShiftMetrics) out.seed_means[0][m].push_back(MetricOf(*clean, m));
    }
    const nlohmann::json means = run.shift.value("mean_by_severity", nlohmann::json::array());
    for (const auto& severity : means) {
      if (const nlohmann::json* row = Largest(severity.at("by_size"))) {
        const int level = severity.at("severity").get<int>();
        for (const char* m : kShiftMetrics) out.seed_means[level][m].push_back(MetricOf(*row, m));
      }
    }
    const nlohmann::json sets = run.shift.value("sets", nlohmann::json::array());
    for (const auto& set : sets) {
      if (const nlohmann::json* row = Largest(set.at("by_size"))) {
        for (const char* m : kShiftMetrics) {
          out.by_corruption[set.at("severity").get<int>()][m][set.at("corruption").get<std::string>()].push_back(
              MetricOf(*row, m));
        }
      }
    }
  }
  return out;
}

// Per corruption the mean over the seeds that have a value (a null metric,
// NaN, leaves its seed out rather than the corruption), as a list.
std::vector<double> CorruptionMeans(const std::map<std::string, std::vector<double>>& by_corruption) {
  std::vector<double> out;
  for (const auto& [name, values] : by_corruption) {
    std::vector<double> finite;
    for (double v : values) {
      if (!std::isnan(v)) finite.push_back(v);
    }
    out.push_back(finite.empty() ? std::nan("") : StatOf(finite).mean);
  }
  return out;
}

bool HasShift(const RunGroup& g) {
  return std::any_of(g.runs.begin(), g.runs.end(), [](const Run& r) { return !r.shift.is_null(); });
}
bool HasOod(const RunGroup& g) {
  return std::any_of(g.runs.begin(), g.runs.end(), [](const Run& r) { return !r.ood.is_null(); });
}

// OOD AUROC per (set, score, size) over the group's seeds.
std::map<std::string, std::map<std::string, std::map<int64_t, std::vector<double>>>> OodAurocs(const RunGroup& g) {
  std::map<std::string, std::map<std::string, std::map<int64_t, std::vector<double>>>> out;
  for (const Run& run : g.runs) {
    if (run.ood.is_null()) continue;
    for (const auto& set : run.ood.value("sets", nlohmann::json::array())) {
      for (const auto& row : set.at("by_size")) {
        for (const auto& score : run.ood.value("scores", nlohmann::json::array())) {
          const std::string name = score.get<std::string>();
          if (row.contains(name)) {
            out[set.at("name").get<std::string>()][name][row.at("size").get<int64_t>()].push_back(
                row.at(name).at("auroc").get<double>());
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

absl::Status CheckRobustnessSections(const Run& run) {
  if (run.ood.is_null() && run.shift.is_null()) return absl::OkStatus();
  RunGroup alone;
  alone.runs = {run};
  try {  // what the tables and figures read, read once
    SummarizeShift(alone);
    OodAurocs(alone);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(
        absl::StrCat(ResultsJsonPath(run.dir), ": the ood or shift section is not the driver's: ", e.what()));
  }
  return absl::OkStatus();
}

std::string RobustnessMarkdown(const std::vector<RunGroup>& groups) {
  std::string out;
  bool shift_header = false;
  for (size_t g = 0; g < groups.size(); ++g) {
    const RunGroup& group = groups[g];
    const std::string label = DistinctLabel(groups, g);
    if (!HasShift(group)) continue;
    if (!shift_header) {
      absl::StrAppend(&out, "\n### Dataset shift (each setting's largest ensemble; the mean over corruptions, "
                            "mean ± sd over seeds; error's quartiles over corruptions)\n\n",
                      "| setting | size | severity | error % | error q25-q75 | NLL | NLL at clean T | cNLL (cv) | ECE |\n",
                      "|---|---|---|---|---|---|---|---|---|\n");
      shift_header = true;
    }
    const ShiftSummary s = SummarizeShift(group);
    for (const auto& [severity, metrics] : s.seed_means) {
      std::string band = "-";
      if (severity > 0 && s.by_corruption.count(severity)) {
        const std::vector<double> errors = CorruptionMeans(s.by_corruption.at(severity).at("error"));
        band = absl::StrFormat("%.1f-%.1f", Quantile(errors, 0.25), Quantile(errors, 0.75));
      }
      absl::StrAppend(&out, "| ", label, " | ", s.size, " | ", severity == 0 ? "clean" : absl::StrCat(severity),
                      " | ", Cell(StatOf(metrics.at("error")), 2), " | ", band, " | ",
                      Cell(StatOf(metrics.at("nll")), 4), " | ", Cell(StatOf(metrics.at("cnll_clean")), 4), " | ",
                      Cell(StatOf(metrics.at("cnll_cv")), 4), " | ", Cell(StatOf(metrics.at("ece")), 4), " |\n");
    }
  }
  bool ood_header = false;
  for (size_t g = 0; g < groups.size(); ++g) {
    const RunGroup& group = groups[g];
    const std::string label = DistinctLabel(groups, g);
    if (!HasOod(group)) continue;
    const auto aurocs = OodAurocs(group);
    for (const auto& [set, scores] : aurocs) {
      if (!ood_header) {
        absl::StrAppend(&out, "\n### Out-of-distribution AUROC (OOD positive; each setting's largest ensemble, "
                              "mean ± sd over seeds)\n\n",
                        "| setting | OOD set | size | max_prob | entropy | expected_entropy | mutual_information | "
                        "disagreement |\n|---|---|---|---|---|---|---|---|\n");
        ood_header = true;
      }
      int64_t size = 0;
      for (const auto& [score, by_size] : scores) size = std::max(size, by_size.rbegin()->first);
      absl::StrAppend(&out, "| ", label, " | ", set, " | ", size);
      for (const char* score : {"max_prob", "entropy", "expected_entropy", "mutual_information", "disagreement"}) {
        const auto it = scores.find(score);
        absl::StrAppend(&out, " | ",
                        it == scores.end() || !it->second.count(size) ? "-" : Cell(StatOf(it->second.at(size)), 4));
      }
      absl::StrAppend(&out, " |\n");
    }
  }
  return out;
}

absl::Status DrawRobustnessPlots(const std::vector<RunGroup>& groups, const std::string& dir,
                                 const std::string& gnuplot) {
  struct Series {
    std::string file;
    size_t setting;  // its colour and point type, as in the report's other figures
    int dash = 0;    // 1: mutual information beside entropy
  };
  std::vector<Series> shift_series;
  std::map<std::string, std::vector<Series>> ood_series;  // by OOD set
  std::map<size_t, std::string> shift_labels, ood_labels;  // the legends: the settings drawn
  ENS_RETURN_IF_ERROR(MakeDirectories(absl::StrCat(dir, "/data")));
  for (size_t g = 0; g < groups.size(); ++g) {
    const RunGroup& group = groups[g];
    const std::string label = DistinctLabel(groups, g);
    if (HasShift(group)) {
      // severity, then per metric: the mean over corruptions (of the seeds' means, as the table), and the
      // median, q25, q75 over corruptions (of each corruption's mean over seeds; the same corruptions where
      // every seed ran the same --shift). The clean row has one value: all four.
      const ShiftSummary s = SummarizeShift(group);
      std::string rows = absl::StrCat("# ", label, " (size ", s.size, "): severity, then for each of error nll "
                                      "cnll_clean cnll_cv ece: mean median q25 q75 over corruptions\n");
      for (const auto& [severity, metrics] : s.seed_means) {
        absl::StrAppend(&rows, severity);
        for (const char* m : kShiftMetrics) {
          const double mean = StatOf(metrics.at(m)).mean;
          double median = mean, q25 = mean, q75 = mean;
          if (severity > 0 && s.by_corruption.count(severity)) {
            const std::vector<double> values = CorruptionMeans(s.by_corruption.at(severity).at(m));
            median = Quantile(values, 0.5);
            q25 = Quantile(values, 0.25);
            q75 = Quantile(values, 0.75);
          }
          absl::StrAppend(&rows, absl::StrFormat(" %.8g %.8g %.8g %.8g", mean, median, q25, q75));
        }
        absl::StrAppend(&rows, "\n");
      }
      const std::string file = absl::StrFormat("%s/data/setting_%02d_shift.dat", dir, g);
      ENS_RETURN_IF_ERROR(WriteFileAtomically(file, rows));
      shift_series.push_back({file, g});
      shift_labels[g] = label;
    }
    if (HasOod(group)) {
      for (const auto& [set, scores] : OodAurocs(group)) {
        for (const char* score : {"entropy", "mutual_information"}) {
          const auto it = scores.find(score);
          if (it == scores.end()) continue;
          const bool mutual_information = std::string(score) == "mutual_information";
          std::string rows = absl::StrCat("# ", label, ", ", set, ", ", score, ": size auroc (mean over seeds)\n");
          size_t points = 0;
          for (const auto& [size, values] : it->second) {
            // One member's mutual information is 0 for every image: AUROC 0.5 by ties, no detection to draw.
            if (size == 1 && mutual_information) continue;
            absl::StrAppend(&rows, size, " ", StatOf(values).mean, "\n");
            ++points;
          }
          if (points == 0) continue;
          const std::string file = absl::StrFormat("%s/data/setting_%02d_ood_%s_%s.dat", dir, g, set, score);
          ENS_RETURN_IF_ERROR(WriteFileAtomically(file, rows));
          ood_series[set].push_back({file, g, mutual_information ? 1 : 0});
          ood_labels[g] = label;
        }
      }
    }
  }
  if (shift_series.empty() && ood_series.empty()) return absl::OkStatus();
  std::string script = "# Written by //tools/report; rerun with: gnuplot robustness.gp\n";
  for (const auto& [terminal, extension] :
       std::vector<std::pair<std::string, std::string>>{{"pngcairo size 1800,1000 noenhanced", "png"},
                                                        {"svg size 1800,1000 noenhanced dynamic", "svg"}}) {
    absl::StrAppend(&script, "set terminal ", terminal, "\n");
    if (!shift_series.empty()) {
      const FigureGrid grid(5);
      // Ovadia et al.'s box per method and severity, as a bar: each setting's median over corruptions with
      // their quartiles, beside the others' at the same severity; the mean as a dot (above the upper quartile
      // where a few corruptions are far worse than the rest).
      absl::StrAppend(&script,
                      grid.Begin(absl::StrCat(dir, "/shift_vs_severity.", extension),
                                 "under shift, over corruptions: median (points on lines), quartiles (bars), mean "
                                 "(dots); settings side by side at each severity; severity 0 = clean"),
                      "set xlabel 'severity'\nset xrange [-0.5:5.5]\nset xtics 0,1,5\nset bars small\n");
      // Settings 0.1 apart, or closer where more than seven share the 0.6 between severities' groups.
      const double n = static_cast<double>(shift_series.size()), step = n > 1 ? std::min(0.1, 0.6 / (n - 1)) : 0;
      for (size_t m = 0; m < 5; ++m) {
        const int mean = 2 + 4 * static_cast<int>(m), median = mean + 1, q25 = mean + 2, q75 = mean + 3;
        std::string plot = "plot ";
        for (size_t i = 0; i < shift_series.size(); ++i) {
          const double offset = (static_cast<double>(i) - (n - 1) / 2) * step;
          const std::string file = GnuplotQuoted(shift_series[i].file);
          absl::StrAppend(&plot, i ? ", " : "", file,
                          absl::StrFormat(" using ($1%+.4f):%d:%d:%d with yerrorlines ", offset, median, q25, q75),
                          SettingStyle(shift_series[i].setting, true), " notitle, ", file,
                          absl::StrFormat(" using ($1%+.4f):%d with points ", offset, mean),
                          SettingStyle(shift_series[i].setting, false), " ", kMeanDot, " notitle");
        }
        absl::StrAppend(&script, grid.Panel(m), "set ylabel ", GnuplotQuoted(kShiftTitles[m]), "\n", plot,
                        "\n");
      }
      std::vector<LegendEntry> with_mean = SettingsLegend(shift_labels, "linespoints");
      with_mean.push_back({absl::StrCat("points linecolor rgb '#000000' ", kMeanDot), "mean over corruptions"});
      absl::StrAppend(&script, grid.End(with_mean));
    }
    if (!ood_series.empty()) {
      const FigureGrid grid(ood_series.size());
      absl::StrAppend(&script,
                      grid.Begin(absl::StrCat(dir, "/ood_auroc_vs_size.", extension),
                                 "OOD AUROC against ensemble size (mean over seeds): entropy solid, mutual "
                                 "information dashed (from two members: one has none)"),
                      "set xlabel 'ensemble size'\nset ylabel 'AUROC'\n");
      size_t p = 0;
      for (const auto& [set, series] : ood_series) {
        std::string plot = absl::StrCat(grid.Panel(p++), "set title ", GnuplotQuoted(set), "\nplot ");
        for (size_t i = 0; i < series.size(); ++i) {
          absl::StrAppend(&plot, i ? ", " : "", GnuplotQuoted(series[i].file), " using 1:2 with linespoints ",
                          SettingStyle(series[i].setting, true, series[i].dash), " notitle");
        }
        absl::StrAppend(&script, plot, "\n");
      }
      std::vector<LegendEntry> with_scores = SettingsLegend(ood_labels, "linespoints");
      with_scores.push_back({"lines linecolor rgb '#000000' dashtype 1", "entropy"});
      with_scores.push_back({"lines linecolor rgb '#000000' dashtype 2", "mutual information"});
      absl::StrAppend(&script, grid.End(with_scores));
    }
  }
  const std::string script_file = absl::StrCat(dir, "/robustness.gp");
  ENS_RETURN_IF_ERROR(WriteFileAtomically(script_file, script));
  return RunGnuplot(gnuplot, script_file, absl::StrCat(dir, "/data/robustness_gnuplot.err"));
}

}  // namespace ens::report
