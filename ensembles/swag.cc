#include "ensembles/swag.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "engine/ensemble_io.h"
#include "core/status_macros.h"

namespace ens {

torch::Tensor FlattenParameters(const Network& net) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : net.parameters()) parts.push_back(p.detach().reshape(-1).to(torch::kCPU, torch::kDouble));
  return torch::cat(parts);
}

absl::Status AssignFlatParameters(Network& net, const torch::Tensor& flat) {
  const int64_t total = CountParameters(net);
  if (flat.dim() != 1 || flat.size(0) != total) {
    return absl::InvalidArgumentError(absl::StrCat("a flat vector of ", flat.numel(),
                                                   " values does not fit a network of ", total, " parameters"));
  }
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& p : net.parameters()) {
    const int64_t n = p.numel();
    p.copy_(flat.slice(0, offset, offset + n).view(p.sizes()).to(p.device(), p.scalar_type()));
    offset += n;
  }
  return absl::OkStatus();
}

void SwagMoments::Collect(const torch::Tensor& flat) {
  const torch::Tensor theta = flat.to(torch::kCPU, torch::kDouble);
  const double n = static_cast<double>(count_);
  if (count_ == 0) {
    mean_ = theta.clone();
    sq_mean_ = theta * theta;
  } else {
    mean_ = mean_ * (n / (n + 1)) + theta / (n + 1);
    sq_mean_ = sq_mean_ * (n / (n + 1)) + theta * theta / (n + 1);
  }
  ++count_;
  if (max_rank_ > 0) {
    // The deviation from the mean that includes this iterate, as the
    // reference implementation computes it.
    deviations_.push_back((theta - mean_).to(torch::kFloat));
    if (static_cast<int64_t>(deviations_.size()) > max_rank_) deviations_.pop_front();
  }
}

torch::Tensor SwagMoments::Variance() const { return (sq_mean_ - mean_ * mean_).clamp_min(1e-30); }

torch::Tensor SwagMoments::Deviations() const {
  if (deviations_.empty()) return torch::zeros({0, mean_.defined() ? mean_.size(0) : 0}, torch::kFloat);
  return torch::stack(std::vector<torch::Tensor>(deviations_.begin(), deviations_.end()));
}

std::vector<torch::Tensor> SwagMoments::SaveState() const {
  std::vector<torch::Tensor> state = {torch::tensor(count_, torch::kLong)};
  if (count_ > 0) {
    state.push_back(mean_);
    state.push_back(sq_mean_);
    for (const auto& deviation : deviations_) state.push_back(deviation);
  }
  return state;
}

absl::Status SwagMoments::RestoreState(const std::vector<torch::Tensor>& state) {
  if (state.empty() || state[0].numel() != 1) return absl::DataLossError("SWAG moments without their count");
  const int64_t count = state[0].item<int64_t>();
  const size_t kept = state.size() < 3 ? 0 : state.size() - 3;
  if (count < 0 || (count == 0) != (state.size() == 1) || static_cast<int64_t>(kept) > max_rank_ ||
      static_cast<int64_t>(kept) > count) {
    return absl::DataLossError(absl::StrCat("SWAG moments of ", count, " iterates with ", kept,
                                            " deviations do not fit K = ", max_rank_));
  }
  count_ = count;
  deviations_.clear();
  if (count_ > 0) {
    mean_ = state[1].to(torch::kDouble);
    sq_mean_ = state[2].to(torch::kDouble);
    for (size_t i = 3; i < state.size(); ++i) deviations_.push_back(state[i].to(torch::kFloat));
  }
  return absl::OkStatus();
}

SwagEnsemble::SwagEnsemble(torch::Tensor mean, torch::Tensor variance, torch::Tensor deviations, int64_t max_rank,
                           StateDict base, SwagSampling sampling)
    : NetworkEnsemble({.layer_kind = "standard", .recompute_batchnorm = true}),
      mean_(std::move(mean)),
      variance_(std::move(variance)),
      deviations_(std::move(deviations)),
      max_rank_(max_rank),
      base_(std::move(base)),
      sampling_(sampling) {}

torch::Tensor SwagEnsemble::Sample(int64_t i) const {
  auto generator = at::detail::createCPUGenerator(DeriveSeed(sampling_.seed, static_cast<uint64_t>(i)));
  const auto options = torch::TensorOptions().dtype(torch::kDouble);
  torch::Tensor draw = variance_.sqrt() * torch::randn({mean_.size(0)}, generator, options);
  if (!sampling_.diagonal_only && deviations_.size(0) > 0) {
    const torch::Tensor z2 = torch::randn({deviations_.size(0)}, generator, options);
    // Divided by sqrt(K - 1) with K the configured rank, even before K
    // deviations are collected: the reference code does the same.
    draw += torch::mv(deviations_.to(torch::kDouble).t(), z2) / std::sqrt(static_cast<double>(max_rank_ - 1));
  }
  return mean_ + std::sqrt(sampling_.scale) * draw;
}

absl::Status SwagEnsemble::PrepareMember(int64_t i, Network& net) const {
  ENS_RETURN_IF_ERROR(LoadState(net, base_));
  ENS_RETURN_IF_ERROR(AssignFlatParameters(net, Sample(i)));
  net.eval();
  return absl::OkStatus();
}

absl::Status SwagEnsemble::Save(const std::string& dir) const {
  nlohmann::json manifest;
  manifest["kind"] = "swag";
  manifest["names"] = StateNames(base_);
  manifest["base"] = MemberFile(0);
  manifest["moments"] = "swag_moments.pt";
  manifest["max_rank"] = max_rank_;
  manifest["scale"] = sampling_.scale;
  manifest["diagonal_only"] = sampling_.diagonal_only;
  manifest["samples"] = sampling_.samples;
  manifest["seed"] = sampling_.seed;
  ENS_RETURN_IF_ERROR(SaveState(base_, absl::StrCat(dir, "/", MemberFile(0))));
  ENS_RETURN_IF_ERROR(SaveTensors({mean_, variance_, deviations_}, absl::StrCat(dir, "/swag_moments.pt")));
  return WriteManifest(dir, manifest);
}

namespace {

ENS_REGISTER(EnsembleKindRegistry(), "swag", "SWAG: samples from a Gaussian fitted to an SWA trajectory",
             ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<Ensemble>> {
               const auto names = manifest.at("names").get<std::vector<std::string>>();
               ENS_ASSIGN_OR_RETURN(StateDict base,
                                    LoadStateFile(absl::StrCat(dir, "/", manifest.at("base").get<std::string>()),
                                                  names));
               const std::string moments_path = absl::StrCat(dir, "/", manifest.at("moments").get<std::string>());
               ENS_ASSIGN_OR_RETURN(std::vector<torch::Tensor> moments, LoadTensors(moments_path, 3));
               const torch::Tensor& mean = moments[0];
               const torch::Tensor& variance = moments[1];
               const torch::Tensor& deviations = moments[2];
               if (mean.dim() != 1 || variance.sizes() != mean.sizes() || deviations.dim() != 2 ||
                   deviations.size(1) != mean.size(0)) {
                 return absl::InvalidArgumentError(absl::StrCat(moments_path, ": moments of inconsistent shapes"));
               }
               SwagSampling sampling;
               sampling.scale = manifest.at("scale").get<double>();
               sampling.diagonal_only = manifest.at("diagonal_only").get<bool>();
               sampling.samples = manifest.at("samples").get<int64_t>();
               sampling.seed = manifest.at("seed").get<uint64_t>();
               const int64_t max_rank = manifest.at("max_rank").get<int64_t>();
               if (sampling.samples < 1 || sampling.scale < 0 || max_rank < 0 ||
                   deviations.size(0) > max_rank || (!sampling.diagonal_only && max_rank < 2)) {
                 return absl::InvalidArgumentError("samples, scale or max_rank out of range");
               }
               return std::unique_ptr<Ensemble>(new SwagEnsemble(mean.to(torch::kDouble), variance.to(torch::kDouble),
                                                                 deviations.to(torch::kFloat), max_rank,
                                                                 std::move(base), sampling));
             });

}  // namespace
}  // namespace ens
