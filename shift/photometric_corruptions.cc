// The corruptions of CIFAR-10-C that change values, not places: contrast,
// brightness and fog.
#include <cstdint>

#include <torch/types.h>

#include "shift/corruption.h"
#include "shift/draws.h"

namespace ens {
namespace {

// (x - mean) c + mean, the mean per image and channel
Corruption Contrast(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    const torch::Tensor mean = x.mean({2, 3}, /*keepdim=*/true);
    return ((x - mean) * LevelOf(p, "c", severity) + mean).clamp(0, 1);
  };
}

// HSV's value + c with hue and saturation kept (scikit-image's rgb2hsv and
// back): every channel scaled by V' / V, V = max over channels; black
// becomes grey V'. A grey image is x + c.
Corruption Brightness(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t) {
    const torch::Tensor value = std::get<0>(x.max(1, /*keepdim=*/true));
    const torch::Tensor brighter = (value + LevelOf(p, "c", severity)).clamp(0, 1);
    return torch::where(value > 0, x * brighter / value.clamp_min(1e-12), brighter.expand_as(x)).clamp(0, 1);
  };
}

// The generator's plasma_fractal (diamond-square) for each of `n` images on a
// `size` x `size` map (a power of two), scaled to [0, 1] per image.
torch::Tensor PlasmaFractal(int64_t n, int64_t size, double decay, Draws& draws, const torch::Tensor& like) {
  torch::Tensor map = torch::zeros({n, size, size}, like.options().dtype(torch::kDouble));
  double wibble = 100;
  const auto wibbled_mean = [&](const torch::Tensor& sum) {
    return sum / 4 + wibble * draws.Uniform(sum.sizes(), -wibble, wibble, sum);
  };
  const auto grid = [&map, size](int64_t row0, int64_t col0, int64_t step) {
    return map.slice(1, row0, size, step).slice(2, col0, size, step);
  };
  for (int64_t step = size; step >= 2; step /= 2) {
    const int64_t half = step / 2;
    // Squares: each centre from its four corners.
    torch::Tensor corners = grid(0, 0, step);
    torch::Tensor square = corners + torch::roll(corners, {-1}, {1});
    square = square + torch::roll(square, {-1}, {2});
    grid(half, half, step).copy_(wibbled_mean(square));
    // Diamonds: each edge midpoint from its neighbours.
    const torch::Tensor centres = grid(half, half, step);
    corners = grid(0, 0, step);
    const torch::Tensor left = centres + torch::roll(centres, {1}, {1}) + corners + torch::roll(corners, {-1}, {2});
    grid(0, half, step).copy_(wibbled_mean(left));
    const torch::Tensor top = centres + torch::roll(centres, {1}, {2}) + corners + torch::roll(corners, {-1}, {1});
    grid(half, 0, step).copy_(wibbled_mean(top));
    wibble /= decay;
  }
  const torch::Tensor flat = map.view({n, -1});
  map = map - std::get<0>(flat.min(1)).view({n, 1, 1});
  return map / std::get<0>(map.view({n, -1}).max(1)).view({n, 1, 1});
}

// x + c0 plasma fractal (roughness c1), rescaled by max / (max + c0)
Corruption Fog(const Params& p) {
  return [p](const torch::Tensor& x, int severity, uint64_t seed) {
    const double amount = LevelOf(p, "amount", severity), decay = LevelOf(p, "decay", severity);
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
    int64_t size = 1;
    while (size < std::max(h, w)) size *= 2;
    Draws draws(seed);
    const torch::Tensor fog = PlasmaFractal(n, size, decay, draws, x).slice(1, 0, h).slice(2, 0, w).unsqueeze(1);
    const torch::Tensor max = std::get<0>(x.reshape({n, -1}).max(1)).view({n, 1, 1, 1});
    return ((x + amount * fog.to(x.scalar_type())) * max / (max + amount)).clamp(0, 1);
  };
}

ENS_REGISTER(CorruptionRegistry(), "contrast", "(x - mean) c + mean, per image and channel (CIFAR-10-C)",
             ParamSchema().DoubleList("c", "0.75:0.5:0.4:0.3:0.15", "contrast kept per severity").Min(0), Contrast);
ENS_REGISTER(CorruptionRegistry(), "brightness", "HSV value + c, clipped; grey images x + c (CIFAR-10-C)",
             ParamSchema().DoubleList("c", "0.05:0.1:0.15:0.2:0.3", "value added per severity"), Brightness);
ENS_REGISTER(CorruptionRegistry(), "fog",
             "x + amount plasma fractal, rescaled by max / (max + amount) (CIFAR-10-C; the fractal is drawn on the "
             "smallest power-of-two square holding the image, 32 for 28x28 and 32x32, and cropped)",
             ParamSchema()
                 .DoubleList("amount", "0.2:0.5:0.75:1:1.5", "fog added per severity")
                 .Min(0)
                 .DoubleList("decay", "3:3:2.5:2:1.75", "the fractal's wibble decay per severity (lower: rougher)")
                 .Min(1.0001),
             Fog);

}  // namespace
}  // namespace ens
