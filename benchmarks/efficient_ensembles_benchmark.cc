// Evaluation throughput of ensembles of M = 4 members, preresnet20 on random
// CIFAR-shaped images (3x32x32, 10 classes), through each method's own
// prediction path (Ensemble::MemberLogProbs for every member, test batch 500):
//   BM_EvaluateEnsemble/deep_ensemble      four networks, one after another
//   BM_EvaluateEnsemble/members_together   the same four as one grouped network
//                                          (models/batched.h), one pass
//   BM_EvaluateEnsemble/packed_ensembles   alpha 2, gamma 2
//   BM_EvaluateEnsemble/batch_ensemble     the batch repeated 4 times
//   BM_EvaluateEnsemble/mimo               one network, four inputs and outputs
//   BM_EvaluateEnsemble/masksembles        scale 2, the batch repeated 4 times
//   BM_TrainLenet/<method>                 training throughput instead: one
//                                          epoch of 10 batches of 128 random
//                                          1x28x28 images, lenet; single: one
//                                          network; deep_ensemble: 5, one after
//                                          another; batch_ensemble, packed
//                                          (alpha 2), masksembles: 5 members;
//                                          mimo: 3, the batch repeated 4 times
// items/s = test images predicted by the whole ensemble per second (for
// BM_TrainLenet: training images per second, every member trained). Each
// ensemble is trained for one epoch on 64 images first (untrained weights
// cost the same). Every iteration predicts a fresh copy of the test images,
// so one-pass ensembles cannot serve a kept prediction.
//
//   bazel run //benchmarks:efficient_ensembles_benchmark -- --benchmark_out=eval.json
//   (--threads is read from ENS_THREADS, default every core; --device from
//   ENS_DEVICE: cpu or cuda)
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/cpu_memory.h"
#include "engine/cpu_threads.h"
#include "engine/ensemble.h"
#include "ensembles/method.h"
#include "models/batched.h"
#include "models/model.h"

namespace ens {
namespace {

constexpr int64_t kMembers = 4, kTest = 2000, kBatch = 500;

torch::Device BenchDevice() {
  const char* device = std::getenv("ENS_DEVICE");
  return device != nullptr && std::string(device) == "cuda" && torch::cuda::is_available() ? torch::kCUDA
                                                                                            : torch::kCPU;
}

const Dataset& Data() {
  static const Dataset* data = [] {
    torch::manual_seed(0);
    auto* d = new Dataset();
    d->name = "random";
    d->num_classes = 10;
    d->mean.assign(3, 0.5);
    d->std.assign(3, 0.25);
    d->train = Split{torch::randint(256, {64, 3, 32, 32}, torch::kUInt8), torch::arange(64) % 10};
    d->test = Split{torch::randint(256, {kTest, 3, 32, 32}, torch::kUInt8), torch::arange(kTest) % 10};
    return d;
  }();
  return *data;
}

ModelMaker PreResNet20() {
  return [](LayerFactory& layers) { return MakeModel("preresnet20", "", ModelSpec{3, 32, 10}, layers); };
}

// `method` with `args`, M = 4, trained one epoch on the 64 training images.
std::unique_ptr<Ensemble> Trained(const std::string& method, const std::string& args) {
  TrainContext context;
  context.data = &Data();
  context.device = BenchDevice();
  context.members = kMembers;
  context.epochs = 1;
  context.batch_size = 32;
  context.make_model = PreResNet20();
  auto made = MakeMethod(method, args);
  if (!made.ok()) std::abort();
  auto ensemble = (*made)->Train(context);
  if (!ensemble.ok()) {
    std::fprintf(stderr, "%s: %s\n", method.c_str(), std::string(ensemble.status().message()).c_str());
    std::abort();
  }
  return std::move(*ensemble);
}

void Evaluate(benchmark::State& state, const Ensemble& ensemble) {
  const Dataset& data = Data();
  const torch::Device device = BenchDevice();
  const BatchMaker batches(data, device);
  for (auto _ : state) {
    const Split copy{data.test.images.clone(), data.test.labels};
    MemberContext context(copy, batches, kBatch, NetworksOf(PreResNet20(), device));
    for (int64_t i = 0; i < ensemble.size(); ++i) {
      auto log_probs = ensemble.MemberLogProbs(i, context);
      if (!log_probs.ok()) state.SkipWithError(std::string(log_probs.status().message()).c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * kTest);
}

void BM_EvaluateEnsemble(benchmark::State& state, const std::string& method, const std::string& args) {
  const std::unique_ptr<Ensemble> ensemble = Trained(method, args);
  Evaluate(state, *ensemble);
}

// The deep ensemble's four networks packed side by side, one pass for all.
void BM_MembersTogether(benchmark::State& state) {
  const std::unique_ptr<Ensemble> trained = Trained("deep_ensemble", "");
  const auto* stored = dynamic_cast<const NetworkEnsemble*>(trained.get());
  const torch::Device device = BenchDevice();
  std::vector<std::shared_ptr<Network>> members;
  for (int64_t i = 0; i < trained->size(); ++i) {
    members.push_back(*PreResNet20()(StandardLayers()));
    members.back()->to(device);
    if (!stored->PrepareMember(i, *members.back()).ok()) std::abort();
  }
  auto together = BatchedNetwork::Pack(PreResNet20(), members, {3, 32, 32});
  if (!together.ok()) std::abort();
  (*together)->eval();
  const Dataset& data = Data();
  const BatchMaker batches(data, device);
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    for (int64_t begin = 0; begin < kTest; begin += kBatch) {
      const torch::Tensor inputs = batches.Normalize(data.test.images.slice(0, begin, begin + kBatch));
      const torch::Tensor logits = (*together)->forward(inputs.repeat({kMembers, 1, 1, 1}));
      benchmark::DoNotOptimize(torch::log_softmax(logits, 1).cpu());
    }
  }
  state.SetItemsProcessed(state.iterations() * kTest);
}

// One epoch of `method` (`members` members, lenet) over 1,280 random Fashion-MNIST-shaped images.
void BM_TrainLenet(benchmark::State& state, const std::string& method, const std::string& args, int64_t members) {
  constexpr int64_t kImages = 1280;
  Dataset data;
  torch::manual_seed(0);
  data.name = "random";
  data.num_classes = 10;
  data.mean.assign(1, 0.5);
  data.std.assign(1, 0.25);
  data.train = Split{torch::randint(256, {kImages, 1, 28, 28}, torch::kUInt8), torch::arange(kImages) % 10};
  TrainContext context;
  context.data = &data;
  context.device = BenchDevice();
  context.members = members;
  context.epochs = 1;
  context.batch_size = 128;
  context.make_model = [](LayerFactory& layers) { return MakeModel("lenet", "", ModelSpec{1, 28, 10}, layers); };
  auto made = MakeMethod(method, args);
  if (!made.ok()) {
    state.SkipWithError(std::string(made.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    auto ensemble = (*made)->Train(context);
    if (!ensemble.ok()) {
      state.SkipWithError(std::string(ensemble.status().message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kImages);
}

BENCHMARK_CAPTURE(BM_TrainLenet, single, std::string("single"), std::string(""), 1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainLenet, deep_ensemble, std::string("deep_ensemble"), std::string(""), 5)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainLenet, batch_ensemble, std::string("batch_ensemble"), std::string(""), 5)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainLenet, packed_ensembles, std::string("packed_ensembles"), std::string("alpha=2"), 5)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainLenet, masksembles, std::string("masksembles"), std::string(""), 5)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainLenet, mimo, std::string("mimo"), std::string(""), 3)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_CAPTURE(BM_EvaluateEnsemble, deep_ensemble, std::string("deep_ensemble"), std::string(""))
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MembersTogether)->Name("BM_EvaluateEnsemble/members_together")->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_EvaluateEnsemble, packed_ensembles, std::string("packed_ensembles"),
                  std::string("alpha=2,gamma=2"))
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_EvaluateEnsemble, batch_ensemble, std::string("batch_ensemble"), std::string(""))
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_EvaluateEnsemble, mimo, std::string("mimo"), std::string(""))
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_EvaluateEnsemble, masksembles, std::string("masksembles"), std::string(""))
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ens

// The driver's process settings (engine/cpu_threads.h, engine/cpu_memory.h), then Google Benchmark's main.
int main(int argc, char** argv) {
  ens::RestartForFasterBlasKernels(argv);
  ens::KeepFreedMemoryForReuse();
  const char* threads = std::getenv("ENS_THREADS");
  ens::ConfigureCpuThreads(threads != nullptr ? std::atoi(threads) : 0);
  benchmark::Initialize(&argc, argv);
  if (const std::string kernels = ens::BlasKernels(); !kernels.empty()) {
    benchmark::AddCustomContext("openblas_kernels", kernels);
  }
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
