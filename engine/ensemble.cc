#include "engine/ensemble.h"

#include "core/file_tree.h"
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/serialize.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/error_text.h"
#include "engine/ensemble_io.h"
#include "core/status_macros.h"

namespace ens {

absl::Status SaveTensors(const std::vector<torch::Tensor>& tensors, const std::string& path) {
  std::vector<torch::Tensor> cpu;
  for (const auto& tensor : tensors) cpu.push_back(tensor.cpu());
  std::ostringstream bytes;
  try {
    torch::save(cpu, bytes);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialise weights: ", ErrorText(e)));
  }
  return WriteFileAtomically(path, bytes.str());
}

absl::StatusOr<std::vector<torch::Tensor>> LoadTensors(const std::string& path, size_t count) {
  std::vector<torch::Tensor> tensors;
  try {
    torch::load(tensors, path);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": cannot read weights: ", ErrorText(e)));
  }
  if (tensors.size() != count) {
    return absl::DataLossError(
        absl::StrCat(path, ": holds ", tensors.size(), " tensors, ensemble.json names ", count));
  }
  return tensors;
}

absl::Status SaveState(const StateDict& state, const std::string& path) {
  std::vector<torch::Tensor> tensors;
  for (const auto& [name, tensor] : state) tensors.push_back(tensor);
  return SaveTensors(tensors, path);
}

absl::StatusOr<StateDict> LoadStateFile(const std::string& path, const std::vector<std::string>& names) {
  ENS_ASSIGN_OR_RETURN(std::vector<torch::Tensor> tensors, LoadTensors(path, names.size()));
  StateDict state;
  for (size_t i = 0; i < names.size(); ++i) state.emplace_back(names[i], tensors[i]);
  return state;
}

std::vector<std::string> StateNames(const StateDict& state) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state) names.push_back(name);
  return names;
}

std::string MemberFile(int64_t i) { return absl::StrFormat("member_%03d.pt", i); }

absl::StatusOr<StoredSize> MeasureStored(const std::string& dir) {
  StoredSize size;
  // Recursively: an ensemble of finished runs keeps each run's members in a
  // folder of its own.
  ENS_ASSIGN_OR_RETURN(const auto files, ListFilesRecursively(dir));
  for (const auto& [file, bytes] : files) {
    size.bytes += bytes;
    if (file.size() < 3 || file.compare(file.size() - 3, 3, ".pt") != 0) continue;
    std::vector<torch::Tensor> tensors;
    try {
      torch::load(tensors, file);
    } catch (const std::exception& e) {
      return absl::DataLossError(absl::StrCat(file, ": not a tensor list file: ", ErrorText(e)));
    }
    for (const auto& tensor : tensors) {
      if (tensor.is_floating_point()) size.values += tensor.numel();
    }
  }
  return size;
}

absl::Status WriteManifest(const std::string& dir, const nlohmann::json& manifest) {
  return WriteFileAtomically(absl::StrCat(dir, "/ensemble.json"), manifest.dump(2) + "\n");
}

uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  // splitmix64 of a combination: distinct, well-mixed streams per index.
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + index + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return (z ^ (z >> 31)) >> 1;  // keep it positive as a signed int64 for torch::manual_seed
}

StateDict CaptureState(const torch::nn::Module& net) {
  StateDict state;
  for (const auto& item : net.named_parameters(/*recurse=*/true)) {
    state.emplace_back(item.key(), item.value().detach().clone());
  }
  for (const auto& item : net.named_buffers(/*recurse=*/true)) {
    state.emplace_back(item.key(), item.value().detach().clone());
  }
  return state;
}

absl::Status LoadState(torch::nn::Module& net, const StateDict& state) {
  torch::NoGradGuard no_grad;
  auto params = net.named_parameters(true);
  auto buffers = net.named_buffers(true);
  if (static_cast<size_t>(params.size() + buffers.size()) != state.size()) {
    return absl::InvalidArgumentError(absl::StrCat("weights hold ", state.size(), " tensors, the network has ",
                                                   params.size() + buffers.size()));
  }
  for (const auto& [name, tensor] : state) {
    torch::Tensor* target = params.find(name);
    if (target == nullptr) target = buffers.find(name);
    if (target == nullptr || target->sizes() != tensor.sizes()) {
      return absl::InvalidArgumentError(absl::StrCat("weights do not fit the network at '", name, "'"));
    }
    target->copy_(tensor);
  }
  return absl::OkStatus();
}

absl::StatusOr<torch::Tensor> NetworkEnsemble::MemberLogProbs(int64_t i, MemberContext& context) const {
  ENS_ASSIGN_OR_RETURN(Network* const net, context.NetworkOf(layout_.layer_kind));
  ENS_RETURN_IF_ERROR(PrepareMember(i, *net));
  if (layout_.recompute_batchnorm) ENS_RETURN_IF_ERROR(context.RecomputeBatchNorm(*net));
  return context.Predict(*net);
}

absl::Status StoredEnsemble::PrepareMember(int64_t i, Network& net) const {
  ENS_RETURN_IF_ERROR(LoadState(net, members_.at(i)));
  net.eval();
  return absl::OkStatus();
}

absl::Status StoredEnsemble::Save(const std::string& dir) const {
  nlohmann::json manifest;
  manifest["kind"] = "stored";
  manifest["names"] = members_.empty() ? std::vector<std::string>{} : StateNames(members_[0]);
  for (int64_t i = 0; i < size(); ++i) {
    ENS_RETURN_IF_ERROR(SaveState(members_[i], absl::StrCat(dir, "/", MemberFile(i))));
    manifest["members"].push_back(MemberFile(i));
  }
  if (!logit_weights_.empty()) manifest["logit_weights"] = logit_weights_;
  return WriteManifest(dir, manifest);
}

absl::Status StochasticPassEnsemble::PrepareMember(int64_t i, Network& net) const {
  ENS_RETURN_IF_ERROR(LoadState(net, weights_));
  net.eval();
  kind_.make_stochastic(net);
  torch::manual_seed(DeriveSeed(seed_, static_cast<uint64_t>(i)));
  return absl::OkStatus();
}

absl::Status StochasticPassEnsemble::Save(const std::string& dir) const {
  nlohmann::json manifest;
  manifest["kind"] = kind_.name;
  manifest["names"] = StateNames(weights_);
  manifest["weights"] = MemberFile(0);
  manifest["samples"] = samples_;
  manifest["seed"] = seed_;
  ENS_RETURN_IF_ERROR(SaveState(weights_, absl::StrCat(dir, "/", MemberFile(0))));
  return WriteManifest(dir, manifest);
}

absl::StatusOr<std::unique_ptr<Ensemble>> LoadStochasticPasses(const StochasticPassEnsemble::Kind& kind,
                                                                const std::string& dir,
                                                                const nlohmann::json& manifest) {
  const auto names = manifest.at("names").get<std::vector<std::string>>();
  ENS_ASSIGN_OR_RETURN(StateDict weights,
                       LoadStateFile(absl::StrCat(dir, "/", manifest.at("weights").get<std::string>()), names));
  const int64_t samples = manifest.at("samples").get<int64_t>();
  if (samples < 1) return absl::InvalidArgumentError("samples must be >= 1");
  return std::unique_ptr<Ensemble>(
      new StochasticPassEnsemble(kind, std::move(weights), samples, manifest.at("seed").get<uint64_t>()));
}

Registry<EnsembleLoader>& EnsembleKindRegistry() {
  static auto* registry = new Registry<EnsembleLoader>("ensemble kind", "\"kind\" in members/ensemble.json");
  return *registry;
}

absl::StatusOr<std::unique_ptr<Ensemble>> LoadEnsemble(const std::string& members_dir) {
  const std::string manifest_path = absl::StrCat(members_dir, "/ensemble.json");
  std::ifstream in(manifest_path);
  if (!in) return absl::NotFoundError(absl::StrCat(manifest_path, ": cannot open"));
  try {
    const nlohmann::json manifest = nlohmann::json::parse(in);
    const std::string kind = manifest.at("kind").get<std::string>();
    auto entry = EnsembleKindRegistry().Find(kind);
    if (!entry.ok()) return absl::DataLossError(absl::StrCat(manifest_path, ": ", entry.status().message()));
    auto ensemble = (*entry)->factory(members_dir, manifest);
    if (!ensemble.ok() && absl::IsInvalidArgument(ensemble.status())) {
      return absl::DataLossError(absl::StrCat(manifest_path, ": ", ensemble.status().message()));
    }
    return ensemble;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(manifest_path, ": ", e.what()));
  }
}

namespace {

ENS_REGISTER(EnsembleKindRegistry(), "stored", "members as stored weights", ParamSchema(),
             [](const std::string& dir, const nlohmann::json& manifest) -> absl::StatusOr<std::unique_ptr<Ensemble>> {
               const auto names = manifest.at("names").get<std::vector<std::string>>();
               std::vector<StateDict> members;
               for (const auto& file : manifest.at("members")) {
                 ENS_ASSIGN_OR_RETURN(StateDict state,
                                      LoadStateFile(absl::StrCat(dir, "/", file.get<std::string>()), names));
                 members.push_back(std::move(state));
               }
               std::vector<double> weights;
               if (manifest.contains("logit_weights")) {
                 weights = manifest.at("logit_weights").get<std::vector<double>>();
                 if (weights.size() != members.size()) {
                   return absl::InvalidArgumentError(absl::StrCat("logit_weights has ", weights.size(),
                                                                  " entries for ", members.size(), " members"));
                 }
               }
               return std::unique_ptr<Ensemble>(new StoredEnsemble(std::move(members), std::move(weights)));
             });

}  // namespace
}  // namespace ens
