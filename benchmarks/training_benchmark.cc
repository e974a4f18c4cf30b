// Throughput of the framework's hot paths, on random images of the real
// shapes (no files needed):
//   BM_TrainEpoch/<model>: Trainer iterations at batch 128 (images/s)
//   BM_EvaluateMembers:    members x test images through the Evaluator
//                          (MemberLogProbs + combination + metrics)
//   BM_PlainForward:       the same forward passes without the Evaluator,
//                          the floor that BM_EvaluateMembers is judged by
//   BM_BatchAssembly:      index, normalise, pad-crop-flip a CIFAR batch
//   BM_Dropout/0, /1:      forward and backward of LibTorch's dropout (0) and
//                          ours (1, models/dropout.h) on lenet's pooled batch
//   BM_MaxPool/0, /1:      forward and backward of LibTorch's 2x2 max-pooling (0)
//                          and ours (1, models/max_pool.h) on lenet's conv2 output
//   BM_Linear/0, /1:       forward and backward of lenet's fc1 (128 x 9216 -> 128):
//                          LibTorch's linear (0) and ours (1, models/threaded_linear.h)
//
//   bazel run //benchmarks:training_benchmark -- --benchmark_out=train.json
//   (--threads is read from ENS_THREADS, default every core)
#include <cstdlib>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <torch/nn/functional/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "engine/cpu_memory.h"
#include "engine/cpu_threads.h"
#include "engine/ensemble.h"
#include "engine/evaluator.h"
#include "engine/trainer.h"
#include "datasets/batches.h"
#include "models/dropout.h"
#include "models/max_pool.h"
#include "models/model.h"
#include "models/threaded_linear.h"
#include "schedulers/schedule.h"

namespace ens {
namespace {

// uint8 images with uniform pixels and balanced labels.
Dataset RandomData(int64_t train, int64_t test, int64_t channels, int64_t side, int64_t classes) {
  torch::manual_seed(0);
  Dataset data;
  data.name = "random";
  data.num_classes = classes;
  data.mean.assign(channels, 0.5);
  data.std.assign(channels, 0.25);
  auto split = [&](int64_t n) {
    return Split{torch::randint(256, {n, channels, side, side}, torch::kUInt8), torch::arange(n) % classes};
  };
  data.train = split(train);
  data.test = split(test);
  return data;
}

std::shared_ptr<Network> Model(const std::string& name, const Dataset& data) {
  auto net = MakeModel(name, "", ModelSpec{data.channels(), data.image_size(), data.num_classes}, StandardLayers());
  if (!net.ok()) std::abort();
  return *net;
}

void ConfigureThreads() {
  static const bool once = [] {
    const char* threads = std::getenv("ENS_THREADS");
    ConfigureCpuThreads(threads ? std::atoi(threads) : 0);
    return true;
  }();
  (void)once;
}

// One epoch of `iterations` batches of 128 per benchmark iteration.
void BM_TrainEpoch(benchmark::State& state, const std::string& model, int64_t channels, int64_t side) {
  ConfigureThreads();
  constexpr int64_t kBatch = 128, kIterations = 20;
  const Dataset data = RandomData(kBatch * kIterations, 10, channels, side, 10);
  auto net = Model(model, data);
  TrainerOptions options;
  options.batch_size = kBatch;
  Trainer trainer(net, data, options);
  auto schedule = *MakeSchedule("constant", "", ScheduleContext{kIterations, kIterations, 0.01});
  for (auto _ : state) {
    if (!trainer.Run(*schedule, 1, {}, "bench").ok()) state.SkipWithError("training failed");
  }
  state.SetItemsProcessed(state.iterations() * kBatch * kIterations);
  state.counters["threads"] = torch::get_num_threads();
}
BENCHMARK_CAPTURE(BM_TrainEpoch, lenet, "lenet", 1, 28)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, preresnet20, "preresnet20", 3, 32)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, wrn16_4, "wrn16_4", 3, 32)->Unit(benchmark::kMillisecond)->UseRealTime();

// `members` lenet members on 10,000 test images, every size evaluated.
void BM_EvaluateMembers(benchmark::State& state) {
  ConfigureThreads();
  const int64_t members = state.range(0);
  const Dataset data = RandomData(10, 10000, 1, 28, 10);
  std::vector<StateDict> states;
  for (int64_t m = 0; m < members; ++m) states.push_back(CaptureState(*Model("lenet", data)));
  const StoredEnsemble ensemble(std::move(states));
  auto net = Model("lenet", data);
  const BatchMaker batches(data, torch::kCPU);
  MemberContext context(data.test, batches, 1000,
                        [net](LayerFactory&) -> absl::StatusOr<std::shared_ptr<Network>> { return net; });
  EvalOptions options;
  for (int64_t k = 1; k <= members; ++k) options.sizes.push_back(k);
  for (auto _ : state) {
    auto rows = EvaluateEnsemble(ensemble, context, options);
    if (!rows.ok()) state.SkipWithError("evaluation failed");
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations() * members * data.test.size());
}
BENCHMARK(BM_EvaluateMembers)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

// The floor: `members` plain forward passes of one lenet over the test set.
void BM_PlainForward(benchmark::State& state) {
  ConfigureThreads();
  const int64_t members = state.range(0);
  const Dataset data = RandomData(10, 10000, 1, 28, 10);
  auto net = Model("lenet", data);
  net->eval();
  const BatchMaker batches(data, torch::kCPU);
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    for (int64_t m = 0; m < members; ++m) {
      for (int64_t begin = 0; begin < data.test.size(); begin += 1000) {
        benchmark::DoNotOptimize(net->forward(batches.Normalize(data.test.images.slice(0, begin, begin + 1000))));
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * members * data.test.size());
}
BENCHMARK(BM_PlainForward)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BatchAssembly(benchmark::State& state) {
  ConfigureThreads();
  Dataset data = RandomData(50000, 10, 3, 32, 10);
  data.augmentation = {4, true};
  const BatchMaker batches(data, torch::kCPU);
  const torch::Tensor index = torch::randperm(50000).slice(0, 0, 128);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        batches.Augment(batches.Normalize(data.train.images.index_select(0, index)), data.augmentation));
  }
  state.SetItemsProcessed(state.iterations() * 128);
}
BENCHMARK(BM_BatchAssembly)->UseRealTime();

// Dropout p = 0.25 on lenet's 128 x 64 x 12 x 12 pooled activations, forward
// and backward: LibTorch's (Arg 0) against models/dropout.h's (Arg 1).
void BM_Dropout(benchmark::State& state) {
  ConfigureThreads();
  const torch::Tensor x = torch::randn({128, 64, 12, 12}).requires_grad_(true);
  const torch::Tensor upstream = torch::randn({128, 64, 12, 12});
  Dropout ours(0.25);
  for (auto _ : state) {
    const torch::Tensor out = state.range(0) == 0 ? torch::dropout(x, 0.25, /*train=*/true) : ours->forward(x);
    out.backward(upstream);
    benchmark::DoNotOptimize(x.grad().data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_Dropout)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// 2x2 max-pooling of lenet's 128 x 64 x 24 x 24 conv2 output, forward and
// backward: LibTorch's (Arg 0) against models/max_pool.h's (Arg 1).
void BM_MaxPool(benchmark::State& state) {
  ConfigureThreads();
  const torch::Tensor x = torch::randn({128, 64, 24, 24}).requires_grad_(true);
  const torch::Tensor upstream = torch::randn({128, 64, 12, 12});
  for (auto _ : state) {
    const torch::Tensor out = state.range(0) == 0 ? torch::max_pool2d(x, 2) : MaxPool2x2(x);
    out.backward(upstream);
    benchmark::DoNotOptimize(x.grad().data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_MaxPool)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// lenet's fc1 on a batch of 128, forward and backward (input, weight and
// bias gradients): LibTorch's linear (Arg 0), one BLAS call per product on
// one core, against models/threaded_linear.h's (Arg 1), rows split across
// the threads.
void BM_Linear(benchmark::State& state) {
  ConfigureThreads();
  const torch::Tensor x = torch::randn({128, 9216}).requires_grad_(true);
  const torch::Tensor weight = (torch::randn({128, 9216}) / 96).requires_grad_(true);
  const torch::Tensor bias = torch::zeros({128}).requires_grad_(true);
  const torch::Tensor upstream = torch::randn({128, 128});
  for (auto _ : state) {
    const torch::Tensor out = state.range(0) == 0 ? torch::nn::functional::linear(x, weight, bias)
                                                  : ThreadedLinearForward(x, weight, bias);
    out.backward(upstream);
    benchmark::DoNotOptimize(weight.grad().data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * x.size(0));
}
BENCHMARK(BM_Linear)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ens

// The driver's process settings (engine/cpu_memory.h), then Google Benchmark's main.
int main(int argc, char** argv) {
  ens::RestartForFasterBlasKernels(argv);
  ens::KeepFreedMemoryForReuse();
  benchmark::Initialize(&argc, argv);
  if (const std::string kernels = ens::BlasKernels(); !kernels.empty()) {
    benchmark::AddCustomContext("openblas_kernels",
                                kernels + (ens::BlasRestartNote().empty() ? "" : " (OPENBLAS_CORETYPE set by the benchmark)"));
  }
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
