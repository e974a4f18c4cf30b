// The shift suite's cost: one row per registered corruption, images per
// second at severity 3 on 1,000 real Fashion-MNIST test images (1x28x28,
// float in [0, 1]) on the CPU, as --shift builds each corrupted set once
// before any member is evaluated. Figures: docs/PERFORMANCE.md.
//
//   bazel run -c opt //benchmarks:corruption_benchmark
#include <string>

#include <benchmark/benchmark.h>
#include <torch/types.h>

#include "datasets/idx_reader.h"
#include "shift/corruption.h"

namespace ens {
namespace {

torch::Tensor TestImages() {
  auto images = ReadIdxImages("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  if (!images.ok()) return torch::rand({1000, 1, 28, 28});  // no dataset: random images of the same size
  return images->slice(0, 0, 1000).to(torch::kFloat) / 255.0;
}

void BM_Corruption(benchmark::State& state, const std::string& name) {
  static const torch::Tensor images = TestImages();
  const Corruption corrupt = *MakeCorruption(name, "");
  uint64_t seed = 0;
  for (auto _ : state) benchmark::DoNotOptimize(corrupt(images, 3, seed++));
  state.SetItemsProcessed(state.iterations() * images.size(0));
}

}  // namespace
}  // namespace ens

int main(int argc, char** argv) {
  for (const auto* entry : ens::CorruptionRegistry().Entries()) {
    benchmark::RegisterBenchmark(("BM_Corruption/" + entry->name).c_str(), ens::BM_Corruption, entry->name)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
