// //:predict: a finished run's ensemble on new images. Loads any run's
// members (every method and plugin kind, through the ensemble's own
// prediction call), reads the input (a folder of PNG or JPEG files, an IDX
// file, an .npy array), normalises with the run's statistics and writes, per
// image, the predicted class, the ensemble's probabilities and its
// uncertainty (metrics/uncertainty.h) as CSV or JSON lines.
//
//   bazel run //:predict -- --run=runs/my_run --input=my_images --output=predictions.csv
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gflags/gflags.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/atomic_file.h"
#include "core/csv_field.h"
#include "core/error_text.h"
#include "core/plugin_loader.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "datasets/batches.h"
#include "driver/evaluation.h"
#include "driver/finished_run.h"
#include "driver/process_exit.h"
#include "engine/cpu_memory.h"
#include "engine/cpu_threads.h"
#include "metrics/uncertainty.h"
#include "tools/predict/inputs.h"

DEFINE_string(run, "", "directory of a finished run (its results.json and members/)");
DEFINE_string(input, "", "a directory of PNG/JPEG files (searched recursively), an IDX image file, or an .npy "
              "array (N x C x H x W or N x H x W; uint8, or floats in [0, 1])");
DEFINE_string(output, "", "file to write (empty or -: standard output)");
DEFINE_string(format, "csv", "csv or jsonl (one JSON object per image)");
DEFINE_string(resize, "reject", "an image of another shape or channel count than the run's: reject (an error "
              "naming it) or resize (bilinear; RGB to grey by luma, grey to RGB by copying)");
DEFINE_string(device, "auto", "cpu, cuda or auto (cuda when available)");
DEFINE_int64(threads, 0, "intra-op CPU threads (0: every core)");
DEFINE_int64(batch_size, 1000, "images per forward pass");
DEFINE_string(plugins, "", "comma-separated plugin libraries (.so) the run's method needs");

namespace ens {
namespace {

struct Table {
  std::vector<std::string> names;  // per image: file, or empty (by index)
  std::vector<std::string> class_names;
  torch::Tensor probs;  // [N, C] double
  UncertaintyScores scores;
};

std::string Render(const Table& t, bool jsonl) {
  const int64_t n = t.probs.size(0), classes = t.probs.size(1);
  const bool by_file = !t.names.empty();
  const auto probs = t.probs.accessor<double, 2>();
  const auto predicted = t.scores.predicted().accessor<int64_t, 1>();
  const auto max_prob = t.scores.max_prob().accessor<double, 1>();
  const auto entropy = t.scores.entropy().accessor<double, 1>();
  const auto expected = t.scores.expected_entropy().accessor<double, 1>();
  const auto mutual = t.scores.mutual_information().accessor<double, 1>();
  const auto disagreement = t.scores.disagreement().accessor<double, 1>();
  std::string out;
  if (!jsonl) {
    std::vector<std::string> header = {by_file ? "file" : "index", "predicted"};
    if (!t.class_names.empty()) header.push_back("class");
    for (int64_t c = 0; c < classes; ++c) header.push_back(absl::StrCat("p_", c));
    for (const char* column : {"max_prob", "entropy", "expected_entropy", "mutual_information", "disagreement"}) {
      header.push_back(column);
    }
    absl::StrAppend(&out, absl::StrJoin(header, ","), "\n");
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = predicted[i];
    if (jsonl) {
      nlohmann::json row;
      if (by_file) {
        row["file"] = t.names[i];
      } else {
        row["index"] = i;
      }
      row["predicted"] = k;
      if (!t.class_names.empty()) row["class"] = t.class_names[k];
      std::vector<double> p(classes);
      for (int64_t c = 0; c < classes; ++c) p[c] = probs[i][c];
      row["probabilities"] = p;
      row["max_prob"] = max_prob[i];
      row["entropy"] = entropy[i];
      row["expected_entropy"] = expected[i];
      row["mutual_information"] = mutual[i];
      row["disagreement"] = disagreement[i];
      absl::StrAppend(&out, row.dump(), "\n");
      continue;
    }
    std::vector<std::string> cells = {by_file ? CsvField(t.names[i]) : absl::StrCat(i), absl::StrCat(k)};
    if (!t.class_names.empty()) cells.push_back(CsvField(t.class_names[k]));
    for (int64_t c = 0; c < classes; ++c) cells.push_back(absl::StrFormat("%.9g", probs[i][c]));
    for (double v : {max_prob[i], entropy[i], expected[i], mutual[i], disagreement[i]}) {
      cells.push_back(absl::StrFormat("%.9g", v));
    }
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\n");
  }
  return out;
}

absl::Status Predict() {
  if (FLAGS_run.empty()) return absl::InvalidArgumentError("--run: the directory of a finished run is needed");
  if (FLAGS_input.empty()) return absl::InvalidArgumentError("--input: images to predict are needed");
  if (FLAGS_format != "csv" && FLAGS_format != "jsonl") {
    return absl::InvalidArgumentError(absl::StrCat("--format=", FLAGS_format, ": csv or jsonl"));
  }
  if (FLAGS_batch_size < 1) return absl::InvalidArgumentError(absl::StrCat("--batch_size=", FLAGS_batch_size, " must be >= 1"));
  ENS_ASSIGN_OR_RETURN(const ShapeRule rule, ParseShapeRule(FLAGS_resize));
  const std::string run_dir = UserPath(FLAGS_run), input_path = UserPath(FLAGS_input);
  const std::string output = FLAGS_output == "-" ? "" : UserPath(FLAGS_output);

  // The input exists before the run's dataset and members are read.
  if (access(input_path.c_str(), R_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(input_path, ": no such file or directory (or not readable)"));
  }
  absl::StatusOr<FinishedRun> opened = OpenFinishedRun(run_dir, [](RunConfig& config) {
    config.device = FLAGS_device;
    config.eval_batch_size = FLAGS_batch_size;
    config.eval_sizes = "";
    config.dee_reference = "";
  });
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat("--run=", FLAGS_run, ": ", opened.status().message()));
  }
  FinishedRun& run = *opened;
  const Dataset& data = run.data;
  const std::vector<int64_t> shape(data.test.images.sizes().begin() + 1, data.test.images.sizes().end());
  absl::StatusOr<InputImages> input = ReadInputs(input_path, shape, rule);
  if (!input.ok()) return input.status();
  const int64_t n = input->images.size(0), members = run.ensemble->size();
  std::fprintf(stderr, "run %s: %s, %lld members, %s on %s; input %s: %lld images of %s%s\n", run_dir.c_str(),
               run.config.method.c_str(), static_cast<long long>(members), run.config.model.c_str(),
               run.config.dataset.c_str(), input_path.c_str(), static_cast<long long>(n),
               absl::StrJoin(shape, "x").c_str(),
               input->skipped ? absl::StrCat(" (not PNG or JPEG, skipped: ", input->skipped, ")").c_str() : "");

  Split split{input->images, torch::zeros({n}, torch::kLong)};
  const BatchMaker batches(data, run.device, run.config.channels_last);
  std::unique_ptr<MemberContext> context =
      RunMemberContext(run.config, data, split, batches, run.device, run.components.model_params);
  const Combination combination = run.ensemble->combination();
  ENS_RETURN_IF_ERROR(combination.CheckFits(members));
  Table table;
  table.names = input->files;
  table.class_names = data.class_names;
  torch::Tensor running;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < members; ++i) {
    ENS_ASSIGN_OR_RETURN(const torch::Tensor log_probs, run.ensemble->MemberLogProbs(i, *context));
    running = combination.Add(running, log_probs, i);
    table.scores.AddMember(log_probs);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "member %lld/%lld predicted, %.1f s\n", static_cast<long long>(i + 1),
                 static_cast<long long>(members), seconds);
  }
  const torch::Tensor ensemble_log_probs = combination.LogProbs(running, members);
  table.scores.Finish(ensemble_log_probs);
  table.probs = ensemble_log_probs.to(torch::kDouble).exp().contiguous();
  const std::string text = Render(table, FLAGS_format == "jsonl");
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return absl::OkStatus();
  }
  ENS_RETURN_IF_ERROR(WriteFileAtomically(output, text));
  std::fprintf(stderr, "wrote %s (%lld rows)\n", output.c_str(), static_cast<long long>(n));
  return absl::OkStatus();
}

}  // namespace
}  // namespace ens

int main(int argc, char** argv) {
  ens::RestartForFasterBlasKernels(argv);  // first: may start this program again
  ens::KeepFreedMemoryForReuse();
  gflags::SetUsageMessage("predicts new images with a finished run's ensemble: --run=DIR --input=PATH");
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  auto fail = [](const absl::Status& status) {
    std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kInternal ? 1 : 2;
  };
  if (argc > 1) {
    std::fprintf(stderr, "error: unexpected argument '%s' (flags look like --name=value)\n", argv[1]);
    return 2;
  }
  try {
    if (absl::Status status = ens::LoadPlugins(FLAGS_plugins); !status.ok()) return fail(status);
    if (FLAGS_threads < 0) {
      return fail(absl::InvalidArgumentError(absl::StrCat("--threads=", FLAGS_threads, " must be >= 0 (0: every core)")));
    }
    ens::ConfigureCpuThreads(static_cast<int>(FLAGS_threads));
    const absl::Status status = ens::Predict();
    return ens::FinishProcess(status.ok() ? 0 : fail(status));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", ens::ErrorText(e).c_str());
    return ens::FinishProcess(1);
  }
}
