// Cost of the evaluation metrics on a 10k x 10 prediction matrix (the size of
// the Fashion-MNIST / CIFAR-10 test sets), per call.
//
//   bazel run //benchmarks:metrics_benchmark -- --benchmark_out=metrics.json
#include <benchmark/benchmark.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "metrics/calibration.h"
#include "metrics/classification.h"

namespace {

struct Predictions {
  torch::Tensor log_probs, labels;
};

const Predictions& TestSet() {
  static const Predictions p = [] {
    torch::manual_seed(0);
    return Predictions{torch::log_softmax(3 * torch::randn({10000, 10}), 1), torch::randint(10, {10000}, torch::kLong)};
  }();
  return p;
}

void BM_Nll(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ens::Nll(TestSet().log_probs, TestSet().labels));
}
BENCHMARK(BM_Nll);

void BM_Ece(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ens::Ece(TestSet().log_probs, TestSet().labels, 15));
}
BENCHMARK(BM_Ece);

void BM_MisclassificationAuroc(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ens::MisclassificationAuroc(TestSet().log_probs, TestSet().labels));
}
BENCHMARK(BM_MisclassificationAuroc);

void BM_CalibratedNll(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(ens::CalibratedNll(TestSet().log_probs, TestSet().labels, state.range(0), 0));
  }
}
BENCHMARK(BM_CalibratedNll)->Arg(1)->Arg(5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
