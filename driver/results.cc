#include "driver/results.h"

#include <cmath>

#include <torch/version.h>

#include "absl/strings/str_cat.h"
#include "core/short_number.h"
#include "driver/results_file.h"
#include "engine/checkpoint.h"
#include "absl/strings/str_format.h"

namespace ens {
namespace {

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json CostToJson(const RunCost& c) {
  return {
      {"parameters", c.parameters >= 0 ? nlohmann::json(c.parameters) : nlohmann::json(nullptr)},
      {"stored_bytes", c.stored_bytes >= 0 ? nlohmann::json(c.stored_bytes) : nlohmann::json(nullptr)},
      {"train_flops", NumberOrNull(c.train_flops)},
      {"train_flops_per_image", NumberOrNull(c.train_flops / static_cast<double>(c.train_images))},
      {"train_images", c.train_images},
      {"predict_seconds", c.predict_seconds},
      {"predicted_members", c.predicted_members},
      {"test_images", c.test_images},
      {"convention",
       "parameters: floating-point values stored in members/; train_flops: every training epoch's forward "
       "pass, counted by LibTorch's profiler on the first step (2 per multiply-add of convolutions and matrix "
       "products, 1 per element of additions and multiplications), x 3 for the backward pass, x the examples "
       "seen; per image: over the training split's size; predict_seconds: the predicted members' predictions on "
       "the test split (weights loaded, BatchNorm recomputed for draws, forward passes), metrics aside; with "
       "--ood / --shift the same pass also predicts those sets, and test_images counts every image of it"},
  };
}

}  // namespace

nlohmann::json ResultsToJson(const RunResults& r) {
  const nlohmann::json config = ConfigToJson(r.config, r.component_params);

  nlohmann::json history = nlohmann::json::array();
  for (const auto& e : r.history) history.push_back(EpochRecordToJson(e));
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : r.metrics) {
    metrics.push_back({{"size", m.size}, {"error", m.error}, {"nll", NumberOrNull(m.nll)},
                       {"cnll", NumberOrNull(m.cnll)}, {"brier", m.brier}, {"ece", m.ece},
                       {"auroc", NumberOrNull(m.auroc)},
                       {"dee", m.dee ? nlohmann::json(*m.dee) : nlohmann::json(nullptr)}});
  }
  nlohmann::json out = {
      {"config", config},
      {"versions", {{"ensembles", "0.1.0"}, {"libtorch", TORCH_VERSION}}},
      {"device", r.device},
      {"world_size", r.world_size},
      {"ensemble_size", r.ensemble_size},
      // How predictions/member_*.npy combine into the ensemble's prediction.
      {"combination", r.combination},
      {"method_capabilities", r.method_capabilities},
      {"history", history},
      {"metrics", metrics},
      {"train_seconds", r.train_seconds},
      {"eval_seconds", r.eval_seconds},
      {"cost", CostToJson(r.cost)},
  };
  if (!r.ood.is_null()) out["ood"] = r.ood;
  if (!r.shift.is_null()) out["shift"] = r.shift;
  return out;
}

std::string FormatMetricsTable(const std::string& title, const std::vector<SizeMetrics>& rows) {
  std::string out = absl::StrCat(title, "\n");
  absl::StrAppend(&out, absl::StrFormat("%6s %9s %8s %8s %8s %8s %8s %7s\n", "size", "error %", "NLL", "cNLL",
                                        "Brier", "ECE", "AUROC", "DEE"));
  for (const auto& m : rows) {
    absl::StrAppend(&out, absl::StrFormat("%6d %9.2f %8.4f %8.4f %8.4f %8.4f %8.4f %7s\n", m.size, m.error, m.nll,
                                          m.cnll, m.brier, m.ece, m.auroc,
                                          m.dee ? absl::StrFormat("%.2f", *m.dee) : std::string("-")));
  }
  return out;
}

std::string FormatCost(const RunCost& c) {
  const std::string flops =
      std::isfinite(c.train_flops)
          ? absl::StrCat(ShortNumber(c.train_flops), " FLOPs of training (", ShortNumber(c.train_flops / c.train_images),
                         " per training image)")
          : std::string("training FLOPs not counted");
  const std::string stored = c.parameters >= 0 ? absl::StrCat(ShortNumber(static_cast<double>(c.parameters)),
                                                               " parameters stored (",
                                                               ShortNumber(static_cast<double>(c.stored_bytes)), "B)")
                                               : std::string("parameters stored not counted");
  return absl::StrCat("cost: ", stored, ", ", flops, ", ",
                      absl::StrFormat("%.2f", c.predict_seconds), " s to predict ", c.test_images,
                      " test images with ", c.predicted_members, c.predicted_members == 1 ? " member" : " members",
                      "\n");
}

}  // namespace ens
