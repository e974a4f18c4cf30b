#include "engine/distributed.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>

// LibTorch is built with Gloo; its header shows the class only when told so.
// ENS_WITHOUT_GLOO: a build without gloo's headers (CMake found none) runs in
// one process only.
#ifndef ENS_WITHOUT_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
// ENS_WITH_NCCL: a build against a CUDA LibTorch with NCCL's header (CMake
// defines it when it finds both): collectives over CUDA tensors go through
// NCCL, GPU to GPU; Gloo keeps CPU tensors and the point-to-point messages.
#ifdef ENS_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#include <torch/cuda.h>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/types.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error_text.h"
#include "core/status_macros.h"

namespace ens {
namespace {

// Runs a c10d call; an exception becomes a status naming `what` (and `who`,
// before the driver knows the rank).
template <typename F>
absl::Status Guarded(const std::string& who, const std::string& what, F&& call) {
  try {
    call();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("distributed", who.empty() ? "" : absl::StrCat(" (", who, ")"), ": ", what, ": ", ErrorText(e)));
  }
}

struct Variable {
  std::string name;
  const char* value;
};

absl::StatusOr<int> ParseInt(const Variable& v, int min, int max) {
  int value = 0;
  if (!absl::SimpleAtoi(v.value, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat("environment: ", v.name, "='", v.value, "' must be an integer in [",
                                                   min, ", ", max, "]"));
  }
  return value;
}

// Contiguous CPU tensors for Gloo, and how to copy results back.
struct Staged {
  std::vector<torch::Tensor> originals, staged;
  explicit Staged(const std::vector<torch::Tensor>& tensors) : originals(tensors) {
    for (const auto& t : tensors) staged.push_back(t.is_cpu() && t.is_contiguous() ? t : t.cpu().contiguous());
  }
  void CopyBack() {
    for (size_t i = 0; i < originals.size(); ++i) {
      if (!staged[i].is_same(originals[i])) originals[i].copy_(staged[i]);
    }
  }
};

// Recv waits this long: a peer may train for hours before it sends.
constexpr std::chrono::milliseconds kPatientWait = std::chrono::hours(24 * 365);

}  // namespace

absl::StatusOr<DistributedEnv> ReadDistributedEnv(const std::function<const char*(const char*)>& getenv) {
  DistributedEnv env;
  const char* master_addr = getenv("MASTER_ADDR");
  // The launcher's own names, tried in order; MPI and Slurm ones only with
  // MASTER_ADDR (a job step inside an allocation is not a distributed run).
  const std::vector<std::vector<std::string>> conventions = {
      {"RANK", "WORLD_SIZE", "LOCAL_RANK"},
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
      {"PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"},
      {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"}};
  for (size_t c = 0; c < conventions.size(); ++c) {
    const auto& names = conventions[c];
    const Variable rank{names[0], getenv(names[0].c_str())};
    const Variable size{names[1], getenv(names[1].c_str())};
    if (c > 0 && master_addr == nullptr) break;
    if (size.value == nullptr && rank.value == nullptr) continue;
    if (size.value == nullptr || rank.value == nullptr) {
      const Variable& set = size.value ? size : rank;
      const Variable& unset = size.value ? rank : size;
      return absl::InvalidArgumentError(
          absl::StrCat("environment: ", set.name, "=", set.value, " is set but ", unset.name, " is not"));
    }
    ENS_ASSIGN_OR_RETURN(env.world_size, ParseInt(size, 1, 1 << 20));
    ENS_ASSIGN_OR_RETURN(env.rank, ParseInt(rank, 0, 1 << 20));
    if (env.rank >= env.world_size) {
      return absl::InvalidArgumentError(absl::StrCat("environment: ", rank.name, "=", env.rank, " must be below ",
                                                     size.name, "=", env.world_size));
    }
    const Variable local{names[2], getenv(names[2].c_str())};
    if (local.value != nullptr) {
      ENS_ASSIGN_OR_RETURN(env.local_rank, ParseInt(local, 0, env.rank));
    }
    break;
  }
  if (env.world_size == 1) return env;
  if (master_addr == nullptr || *master_addr == '\0') {
    return absl::InvalidArgumentError(absl::StrCat("environment: WORLD_SIZE=", env.world_size,
                                                   " needs MASTER_ADDR (the host of rank 0)"));
  }
  env.master_addr = master_addr;
  const char* port = getenv("MASTER_PORT");
  if (port == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("environment: WORLD_SIZE=", env.world_size,
                                                   " needs MASTER_PORT (a free TCP port on MASTER_ADDR)"));
  }
  ENS_ASSIGN_OR_RETURN(env.master_port, ParseInt({"MASTER_PORT", port}, 1, 65535));
  return env;
}

std::pair<int64_t, int64_t> DataParallelRows(int64_t rows, int rank, int world) {
  if (rows >= 2 * static_cast<int64_t>(world)) return {rows * rank / world, rows * (rank + 1) / world};
  // Pairs for the first ranks, the odd row with the last pair.
  const int64_t parts = std::max<int64_t>(1, rows / 2);
  if (rank >= parts) return {rows, rows};
  return {2 * rank, rank == parts - 1 ? rows : 2 * rank + 2};
}

#ifdef ENS_WITHOUT_GLOO
struct Distributed::Impl {};
#else
struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
#ifdef ENS_WITH_NCCL
  // Null unless every rank has a GPU of its own (LOCAL_RANK below the
  // device count): NCCL refuses two ranks on one GPU.
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  bool HasNccl() const {
#ifdef ENS_WITH_NCCL
    return nccl != nullptr;
#else
    return false;
#endif
  }
  // Whether `tensors` go through NCCL: all on CUDA and NCCL set up.
  bool UsesNccl(const std::vector<torch::Tensor>& tensors) const {
    return HasNccl() && !tensors.empty() &&
           std::all_of(tensors.begin(), tensors.end(), [](const torch::Tensor& t) { return t.is_cuda(); });
  }
  // Runs `call` on the NCCL group (`on_nccl`, only where UsesNccl) or Gloo's;
  // the two share no base class in LibTorch 1.13.
  template <typename Call>
  void OnGroup(bool on_nccl, Call&& call) const {
#ifdef ENS_WITH_NCCL
    if (on_nccl) {
      call(*nccl);
      return;
    }
#endif
    call(*group);
  }
};
#endif

Distributed::Distributed(DistributedEnv env, std::unique_ptr<Impl> impl) : env_(std::move(env)), impl_(std::move(impl)) {}
Distributed::~Distributed() {
#if !defined(ENS_WITHOUT_GLOO) && defined(ENS_WITH_NCCL)
  // NCCL's communicators are shut down explicitly (its destructor alone
  // warns and may wait on the watchdog).
  if (impl_ && impl_->nccl) {
    try {
      impl_->nccl->shutdown();
    } catch (const std::exception&) {
    }
  }
#endif
}

std::string Distributed::Describe() const { return absl::StrCat("rank ", env_.rank, " of ", env_.world_size); }

#ifdef ENS_WITHOUT_GLOO
absl::StatusOr<std::unique_ptr<Distributed>> Distributed::Connect(const DistributedEnv& env,
                                                                 std::chrono::milliseconds) {
  return absl::UnimplementedError(absl::StrCat("WORLD_SIZE=", env.world_size,
                                               ": this build has no Gloo (its headers were missing at build time); "
                                               "run one process"));
}
bool Distributed::UsesNccl() const { return false; }
absl::Status Distributed::AllReduceSum(std::vector<torch::Tensor>&) const { return absl::UnimplementedError("no Gloo"); }
absl::Status Distributed::Broadcast(std::vector<torch::Tensor>&, int) const { return absl::UnimplementedError("no Gloo"); }
absl::Status Distributed::Send(const torch::Tensor&, int, int) const { return absl::UnimplementedError("no Gloo"); }
absl::Status Distributed::Recv(torch::Tensor&, int, int) const { return absl::UnimplementedError("no Gloo"); }
absl::Status Distributed::SendBytes(const std::string&, int, int) const { return absl::UnimplementedError("no Gloo"); }
absl::StatusOr<std::string> Distributed::RecvBytes(int, int) const { return absl::UnimplementedError("no Gloo"); }
absl::Status Distributed::SendTensors(const std::vector<torch::Tensor>&, int, int) const {
  return absl::UnimplementedError("no Gloo");
}
absl::StatusOr<std::vector<torch::Tensor>> Distributed::RecvTensors(int, int) const {
  return absl::UnimplementedError("no Gloo");
}
absl::StatusOr<std::vector<std::string>> Distributed::AllGatherText(const std::string&, const std::string&) const {
  return absl::UnimplementedError("no Gloo");
}
absl::Status Distributed::Agree(const std::string&, const absl::Status&) const {
  return absl::UnimplementedError("no Gloo");
}
#else  // Gloo

absl::StatusOr<std::unique_ptr<Distributed>> Distributed::Connect(const DistributedEnv& env,
                                                                 std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  const std::string who = absl::StrCat("rank ", env.rank, " of ", env.world_size);
  const std::string where = absl::StrCat(env.master_addr, ":", env.master_port);
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  absl::Status met = Guarded(who, absl::StrCat("meeting the other ranks at ", where), [&] {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(env.master_port);
    options.isServer = env.rank == 0;
    options.numWorkers = static_cast<size_t>(env.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  });
  // Why a rendezvous fails, most often.
  const std::string hint =
      absl::StrCat(" (not all ", env.world_size, " ranks arrived within ", seconds,
                   " s, --dist_timeout_s, or they cannot reach each other: the same MASTER_ADDR, MASTER_PORT and "
                   "WORLD_SIZE everywhere? GLOO_SOCKET_IFNAME names the network interface)");
  if (!met.ok()) return absl::DeadlineExceededError(absl::StrCat(met.message(), hint));
  met = Guarded(who, "creating the Gloo process group", [&] {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    const bool loopback = absl::StartsWith(env.master_addr, "127.") || env.master_addr == "localhost";
    if (interface != nullptr && *interface != '\0') {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (loopback) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, options);
  });
  if (!met.ok()) return absl::DeadlineExceededError(absl::StrCat(met.message(), hint));
  auto dist = std::unique_ptr<Distributed>(new Distributed(env, std::move(impl)));
#ifdef ENS_WITH_NCCL
  // NCCL only if every rank can: the ranks must agree on the group per call.
  const bool gpu_of_its_own = torch::cuda::is_available() && env.local_rank < torch::cuda::device_count();
  ENS_ASSIGN_OR_RETURN(const std::vector<std::string> able, dist->AllGatherText("nccl", gpu_of_its_own ? "1" : "0"));
  if (std::all_of(able.begin(), able.end(), [](const std::string& a) { return a == "1"; })) {
    ENS_RETURN_IF_ERROR(Guarded(who, "creating the NCCL process group", [&] {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      dist->impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          c10::make_intrusive<c10d::PrefixStore>("nccl", dist->impl_->store), env.rank, env.world_size, options);
    }));
  }
#endif
  return dist;
}

bool Distributed::UsesNccl() const { return impl_->HasNccl(); }

absl::Status Distributed::AllReduceSum(std::vector<torch::Tensor>& tensors) const {
  return Guarded("", "all-reduce", [&] {
    // One collective per tensor: a list given to one call would be summed
    // across its entries too (Gloo), or refused (NCCL takes one tensor).
    for (torch::Tensor& tensor : tensors) {
      std::vector<torch::Tensor> one = {tensor};
      if (impl_->UsesNccl(one) && tensor.is_contiguous()) {  // in place, on the GPUs
        impl_->OnGroup(true, [&](auto& group) { group.allreduce(one)->wait(); });
        continue;
      }
      Staged staged(one);
      impl_->group->allreduce(staged.staged)->wait();
      staged.CopyBack();
    }
  });
}

absl::Status Distributed::Broadcast(std::vector<torch::Tensor>& tensors, int root) const {
  return Guarded("", absl::StrCat("broadcast from rank ", root), [&] {
    // One message per dtype (a network's buffers: float statistics, int64
    // counters), not one per tensor.
    std::map<c10::ScalarType, std::vector<size_t>> by_type;
    for (size_t i = 0; i < tensors.size(); ++i) by_type[tensors[i].scalar_type()].push_back(i);
    for (const auto& [type, indices] : by_type) {
      std::vector<torch::Tensor> parts;
      for (size_t i : indices) parts.push_back(tensors[i].detach().reshape({-1}));
      const bool nccl = impl_->UsesNccl(parts);
      if (!nccl) {
        for (auto& part : parts) part = part.cpu();
      }
      std::vector<torch::Tensor> flat = {torch::cat(parts).contiguous()};
      c10d::BroadcastOptions options;
      options.rootRank = root;
      impl_->OnGroup(nccl, [&](auto& group) { group.broadcast(flat, options)->wait(); });
      int64_t offset = 0;
      for (size_t i : indices) {
        torch::Tensor& t = tensors[i];
        t.detach().copy_(flat[0].slice(0, offset, offset + t.numel()).view(t.sizes()));
        offset += t.numel();
      }
    }
  });
}

absl::Status Distributed::Send(const torch::Tensor& tensor, int to, int tag) const {
  return Guarded("", absl::StrCat("send to rank ", to), [&] {
    std::vector<torch::Tensor> one = {tensor.is_cpu() && tensor.is_contiguous() ? tensor : tensor.cpu().contiguous()};
    impl_->group->send(one, to, tag)->wait();
  });
}

absl::Status Distributed::Recv(torch::Tensor& tensor, int from, int tag) const {
  return Guarded("", absl::StrCat("receive from rank ", from), [&] {
    Staged staged({tensor});
    impl_->group->recv(staged.staged, from, tag)->wait(kPatientWait);
    staged.CopyBack();
  });
}

absl::Status Distributed::SendBytes(const std::string& bytes, int to, int tag) const {
  ENS_RETURN_IF_ERROR(Send(torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kLong), to, 2 * tag));
  if (bytes.empty()) return absl::OkStatus();
  torch::Tensor data = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
  return Send(data, to, 2 * tag + 1);
}

absl::StatusOr<std::string> Distributed::RecvBytes(int from, int tag) const {
  torch::Tensor length = torch::zeros({1}, torch::kLong);
  ENS_RETURN_IF_ERROR(Recv(length, from, 2 * tag));
  const int64_t size = length.item<int64_t>();
  if (size < 0) return absl::DataLossError(absl::StrCat("distributed: rank ", from, " announced ", size, " bytes"));
  if (size == 0) return std::string();
  torch::Tensor data = torch::empty({size}, torch::kUInt8);
  ENS_RETURN_IF_ERROR(Recv(data, from, 2 * tag + 1));
  return std::string(static_cast<const char*>(data.data_ptr()), static_cast<size_t>(size));
}

absl::Status Distributed::SendTensors(const std::vector<torch::Tensor>& tensors, int to, int tag) const {
  std::string bytes;
  ENS_RETURN_IF_ERROR(Guarded("", "pickling tensors", [&] {
    c10::List<torch::Tensor> list;
    for (const auto& t : tensors) list.push_back(t.cpu());
    const std::vector<char> pickled = torch::jit::pickle_save(c10::IValue(list));
    bytes.assign(pickled.begin(), pickled.end());
  }));
  return SendBytes(bytes, to, tag);
}

absl::StatusOr<std::vector<torch::Tensor>> Distributed::RecvTensors(int from, int tag) const {
  ENS_ASSIGN_OR_RETURN(const std::string bytes, RecvBytes(from, tag));
  std::vector<torch::Tensor> tensors;
  ENS_RETURN_IF_ERROR(Guarded("", absl::StrCat("reading the tensors rank ", from, " sent"), [&] {
    const c10::IValue value = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    tensors = value.toTensorList().vec();
  }));
  return tensors;
}

absl::StatusOr<std::vector<std::string>> Distributed::AllGatherText(const std::string& step,
                                                                    const std::string& text) const {
  std::vector<std::string> texts(env_.world_size);
  ENS_RETURN_IF_ERROR(Guarded("", absl::StrCat("exchanging ", step), [&] {
    const std::string prefix = absl::StrCat("text/", step, "/");
    impl_->store->set(absl::StrCat(prefix, env_.rank), std::vector<uint8_t>(text.begin(), text.end()));
    for (int r = 0; r < env_.world_size; ++r) {
      const std::vector<uint8_t> value = impl_->store->get(absl::StrCat(prefix, r));
      texts[r].assign(value.begin(), value.end());
    }
  }));
  return texts;
}

absl::Status Distributed::Agree(const std::string& step, const absl::Status& mine) const {
  ENS_ASSIGN_OR_RETURN(std::vector<std::string> verdicts,
                       AllGatherText(absl::StrCat("agree/", step), mine.ok() ? "" : std::string(mine.message())));
  if (!mine.ok()) return mine;
  for (int r = 0; r < env_.world_size; ++r) {
    if (!verdicts[r].empty()) {
      return absl::AbortedError(absl::StrCat("rank ", r, " of ", env_.world_size, " failed (", step, "): ",
                                             verdicts[r]));
    }
  }
  return absl::OkStatus();
}

#endif  // Gloo

}  // namespace ens
