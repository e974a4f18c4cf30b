#include "engine/checkpoint.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <ATen/Context.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>
#include <torch/serialize/archive.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/atomic_file.h"
#include "core/error_text.h"
#include "engine/ensemble_io.h"
#include "core/status_macros.h"

namespace ens {
namespace {

constexpr int kFormat = 1;
// Tensors before the network's: meta, optimizer, CPU generator, device generator.
constexpr size_t kHeader = 4;

torch::Tensor BytesTensor(const std::string& bytes) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  if (!bytes.empty()) std::memcpy(t.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  return t;
}

std::string TensorBytes(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kCPU, torch::kUInt8);
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
}

at::Generator DefaultGenerator(torch::Device device) {
  return at::globalContext().defaultGenerator(device.is_cpu() ? torch::Device(torch::kCPU) : device);
}

torch::Tensor GeneratorState(torch::Device device) {
  at::Generator generator = DefaultGenerator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void SetGeneratorState(torch::Device device, const torch::Tensor& state) {
  at::Generator generator = DefaultGenerator(device);
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

nlohmann::json EpochRecordToJson(const EpochRecord& r) {
  return {{"member", r.member},
          {"phase", r.phase},
          {"epoch", r.epoch},
          {"lr", r.lr},
          {"loss", std::isfinite(r.loss) ? nlohmann::json(r.loss) : nlohmann::json(nullptr)},
          {"accuracy", r.accuracy},
          {"seconds", r.seconds},
          {"images_per_sec", r.images_per_sec},
          {"train_flops", std::isfinite(r.train_flops) ? nlohmann::json(r.train_flops) : nlohmann::json(nullptr)}};
}

EpochRecord EpochRecordFromJson(const nlohmann::json& j) {
  return {j.at("member").get<int64_t>(),
          j.at("phase").get<std::string>(),
          j.at("epoch").get<int64_t>(),
          j.at("lr").get<double>(),
          j.at("loss").is_null() ? NAN : j.at("loss").get<double>(),
          j.at("accuracy").get<double>(),
          j.at("seconds").get<double>(),
          j.at("images_per_sec").get<double>(),
          j.contains("train_flops") && j.at("train_flops").is_number() ? j.at("train_flops").get<double>() : NAN};
}

std::string Checkpointer::RunFile(int64_t run) const { return absl::StrFormat("%s/run_%04d.ckpt", dir_, run); }

absl::Status Checkpointer::Save(int64_t run, const RunCheckpoint& checkpoint, const Network& net,
                                torch::optim::Optimizer& optimizer, torch::Device device) const {
  const StateDict state = CaptureState(net);
  nlohmann::json meta;
  meta["format"] = kFormat;
  meta["run"] = run;
  meta["epochs_done"] = checkpoint.epochs_done;
  meta["trainer_epochs"] = checkpoint.trainer_epochs;
  meta["order_rng"] = checkpoint.order_rng;
  meta["history"] = nlohmann::json::array();
  for (const auto& record : checkpoint.history) meta["history"].push_back(EpochRecordToJson(record));
  meta["names"] = StateNames(state);
  meta["callbacks"] = nlohmann::json::array();
  for (const auto& tensors : checkpoint.callbacks) meta["callbacks"].push_back(tensors.size());

  std::ostringstream optimizer_bytes;
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.save_to(optimizer_bytes);

  std::vector<torch::Tensor> tensors = {BytesTensor(meta.dump()), BytesTensor(optimizer_bytes.str()),
                                        GeneratorState(torch::kCPU),
                                        device.is_cpu() ? torch::empty({0}, torch::kUInt8) : GeneratorState(device)};
  for (const auto& [name, tensor] : state) tensors.push_back(tensor.cpu());
  for (const auto& callback : checkpoint.callbacks) {
    for (const auto& tensor : callback) tensors.push_back(tensor.cpu());
  }
  std::ostringstream bytes;
  torch::save(tensors, bytes);
  return WriteFileAtomically(RunFile(run), bytes.str());
}

absl::StatusOr<std::optional<RunCheckpoint>> Checkpointer::Load(int64_t run, Network& net,
                                                                torch::optim::Optimizer& optimizer,
                                                                torch::Device device) const {
  const std::string path = RunFile(run);
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return std::optional<RunCheckpoint>();
  std::vector<torch::Tensor> tensors;
  nlohmann::json meta;
  try {
    std::ifstream in(path, std::ios::binary);
    torch::load(tensors, in);
    if (tensors.size() < kHeader) throw std::runtime_error("too few tensors");
    meta = nlohmann::json::parse(TensorBytes(tensors[0]));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not a readable checkpoint: ", ErrorText(e)));
  }
  RunCheckpoint checkpoint;
  StateDict state;
  size_t offset = kHeader;
  try {
    if (meta.at("format").get<int>() != kFormat || meta.at("run").get<int64_t>() != run) {
      return absl::DataLossError(absl::StrCat(path, ": format or run number does not match"));
    }
    checkpoint.epochs_done = meta.at("epochs_done").get<int64_t>();
    checkpoint.trainer_epochs = meta.at("trainer_epochs").get<int64_t>();
    checkpoint.order_rng = meta.at("order_rng").get<std::string>();
    for (const auto& record : meta.at("history")) checkpoint.history.push_back(EpochRecordFromJson(record));
    const auto names = meta.at("names").get<std::vector<std::string>>();
    size_t needed = kHeader + names.size();
    for (const auto& count : meta.at("callbacks")) needed += count.get<size_t>();
    if (tensors.size() != needed) {
      return absl::DataLossError(absl::StrCat(path, ": holds ", tensors.size(), " tensors, its header ", needed));
    }
    for (const auto& name : names) state.emplace_back(name, tensors[offset++]);
    for (const auto& count : meta.at("callbacks")) {
      const size_t n = count.get<size_t>();
      checkpoint.callbacks.emplace_back(tensors.begin() + offset, tensors.begin() + offset + n);
      offset += n;
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": bad header: ", e.what()));
  }
  absl::Status loaded = LoadState(net, state);
  if (!loaded.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": ", loaded.message(), " (resumed with another --model or method?)"));
  }
  try {
    std::istringstream optimizer_bytes(TensorBytes(tensors[1]));
    torch::serialize::InputArchive archive;
    archive.load_from(optimizer_bytes, device);
    optimizer.load(archive);
    SetGeneratorState(torch::kCPU, tensors[2]);
    if (!device.is_cpu() && tensors[3].numel() > 0) SetGeneratorState(device, tensors[3]);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot restore the optimizer or generators: ", ErrorText(e)));
  }
  return std::optional<RunCheckpoint>(std::move(checkpoint));
}

void AppendStateList(const std::vector<StateDict>& states, std::vector<torch::Tensor>& out) {
  out.push_back(torch::tensor(static_cast<int64_t>(states.size()), torch::kLong));
  for (const auto& state : states) {
    for (const auto& [name, tensor] : state) out.push_back(tensor);
  }
}

absl::StatusOr<std::vector<StateDict>> ReadStateList(const std::vector<torch::Tensor>& in, size_t& offset,
                                                     const Network& net) {
  const std::vector<std::string> names = StateNames(CaptureState(net));
  if (offset >= in.size() || in[offset].numel() != 1) return absl::DataLossError("a state list without its count");
  const int64_t count = in[offset++].item<int64_t>();
  if (count < 0 || offset + count * names.size() > in.size()) {
    return absl::DataLossError(absl::StrCat("a state list of ", count, " states is longer than its tensors"));
  }
  std::vector<StateDict> states(count);
  for (auto& state : states) {
    for (const auto& name : names) state.emplace_back(name, in[offset++]);
  }
  return states;
}

}  // namespace ens
