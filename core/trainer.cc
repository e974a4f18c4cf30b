#include "core/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include <torch/torch.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/autocast.h"
#include "core/status_macros.h"
#include "datasets/image_stream.h"

namespace ens {
namespace {
constexpr absl::string_view kDivergence = "training diverged: ";

// Data-parallel step: sums every rank's gradients (each already weighted by
// its share of the batch) and, in the same buffer, `stats` (loss and correct
// count), so one all-reduce per iteration carries everything.
absl::Status SumOverRanks(const Distributed& dp, Network& net, torch::Tensor& stats) {
  std::vector<torch::Tensor> parts;
  std::vector<torch::Tensor> params = net.parameters();
  for (const auto& p : params) {
    parts.push_back(p.grad().defined() ? p.grad().reshape({-1}).to(torch::kFloat)
                                       : torch::zeros({p.numel()}, p.options().dtype(torch::kFloat)));
  }
  parts.push_back(stats.to(params.empty() ? stats.device() : params[0].device(), torch::kFloat));
  std::vector<torch::Tensor> buffer = {torch::cat(parts)};
  ENS_RETURN_IF_ERROR(dp.AllReduceSum(buffer));
  int64_t offset = 0;
  for (auto& p : params) {
    const torch::Tensor sum = buffer[0].slice(0, offset, offset + p.numel()).view_as(p).to(p.dtype());
    if (p.grad().defined()) {
      p.mutable_grad().copy_(sum);
    } else {
      p.mutable_grad() = sum.clone();
    }
    offset += p.numel();
  }
  stats = buffer[0].slice(0, offset).to(torch::kDouble).cpu();
  return absl::OkStatus();
}

// Every rank continues from rank 0's parameters and buffers (at the start of
// a run) or buffers (BatchNorm's running statistics, after every step).
absl::Status TakeRankZeros(const Distributed& dp, Network& net, bool parameters) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors = net.buffers();
  if (parameters) {
    for (const auto& p : net.parameters()) tensors.push_back(p);
  }
  if (tensors.empty()) return absl::OkStatus();
  return dp.Broadcast(tensors, 0);
}
}  // namespace

bool IsDivergence(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInternal && absl::StartsWith(status.message(), kDivergence);
}

int64_t IterationsPerEpoch(int64_t examples, int64_t batch_size) {
  return std::max<int64_t>(1, examples / batch_size + (examples % batch_size >= 2 ? 1 : 0));
}

Trainer::Trainer(std::shared_ptr<Network> net, const Dataset& data, TrainerOptions options)
    : net_(std::move(net)),
      data_(data),
      options_(std::move(options)),
      batches_(data, options_.device, options_.channels_last),
      images_(data.train.streamed() ? torch::Tensor() : data.train.images.to(options_.device)),
      labels_(data.train.labels.to(options_.device)),
      iterations_per_epoch_(IterationsPerEpoch(data.train.size(), options_.batch_size)) {
  if (options_.member_data_seeds.empty()) options_.member_data_seeds = {options_.data_seed};
  for (uint64_t seed : options_.member_data_seeds) order_rngs_.emplace_back(seed);
  net_->to(options_.device);
  if (options_.channels_last) ToChannelsLast(*net_);
  optimizer_ = std::make_unique<torch::optim::SGD>(
      net_->parameters(), torch::optim::SGDOptions(0.1)
                              .momentum(options_.optimizer.momentum)
                              .nesterov(options_.optimizer.nesterov)
                              .weight_decay(options_.optimizer.weight_decay));
}

absl::Status Trainer::Run(const Schedule& schedule, int64_t epochs, const std::vector<TrainerCallback*>& callbacks,
                          const std::string& phase) {
  const int64_t n = data_.train.size();
  const int64_t batch_size = std::min(options_.batch_size, n);
  const int64_t total = epochs * iterations_per_epoch_;
  const int64_t together = static_cast<int64_t>(order_rngs_.size());
  if (together > 1) ENS_RETURN_IF_ERROR(RequireInMemory(data_.train, "training members together"));
  std::vector<int64_t> order(n);
  Checkpointer* checkpointer = options_.checkpointer;
  const int64_t run = checkpointer ? checkpointer->NextRun() : -1;
  RunCheckpoint progress_so_far;
  if (checkpointer) {
    ENS_ASSIGN_OR_RETURN(std::optional<RunCheckpoint> saved,
                         checkpointer->Load(run, *net_, *optimizer_, options_.device));
    if (saved) {
      ENS_RETURN_IF_ERROR(Restore(*saved, epochs, callbacks, phase, checkpointer->RunFile(run)));
      progress_so_far = std::move(*saved);
    }
  }
  const Distributed* dp = options_.data_parallel;
  if (dp) {
    ENS_RETURN_IF_ERROR(TakeRankZeros(*dp, *net_, /*parameters=*/true));
    // Every rank was seeded alike (the same initialisation); from here on,
    // ranks > 0 draw their own dropout masks and augmentations (rank 0
    // continues as one process would). A resumed run has its ranks'
    // generators back from their checkpoints instead.
    if (dp->rank() > 0 && progress_so_far.epochs_done == 0) {
      torch::manual_seed(DeriveSeed(options_.data_seed, static_cast<uint64_t>(dp->rank())));
    }
  }
  int64_t iteration = progress_so_far.epochs_done * iterations_per_epoch_;
  for (int64_t epoch = progress_so_far.epochs_done + 1; epoch <= epochs; ++epoch) {
    net_->train();
    const auto start = std::chrono::steady_clock::now();
    std::vector<torch::Tensor> orders;  // [together, n]
    for (auto& rng : order_rngs_) {
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      orders.push_back(torch::tensor(order, torch::kLong));
    }
    const torch::Tensor permutation = torch::stack(orders).to(options_.device);
    // A streamed split: this epoch's batches decoded ahead by worker threads.
    std::unique_ptr<ImageStream::Reader> reader =
        data_.train.streamed() ? data_.train.stream->Read(order, batch_size, iterations_per_epoch_) : nullptr;
    double loss_sum = 0, lr = 0;
    int64_t seen = 0;
    // Counted on the device: one host synchronisation per iteration (the
    // loss, for the divergence check), not two.
    torch::Tensor correct = torch::zeros({}, torch::TensorOptions(options_.device).dtype(torch::kLong));
    for (int64_t b = 0; b < iterations_per_epoch_; ++b) {
      ++iteration;
      lr = schedule.LearningRate(iteration);
      for (auto& group : optimizer_->param_groups()) {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
      const int64_t begin = b * batch_size;
      const int64_t end = std::min(begin + batch_size, n);
      const torch::Tensor batch = permutation.slice(1, begin, end).reshape({-1});  // member-major
      const int64_t rows = batch.size(0);
      // This process's rows: all, or its data-parallel part.
      const auto [first, last] = dp ? DataParallelRows(rows, dp->rank(), dp->world_size())
                                    : std::pair<int64_t, int64_t>{0, rows};
      const torch::Tensor index = batch.slice(0, first, last);
      torch::Tensor raw;
      if (reader) {
        ENS_ASSIGN_OR_RETURN(raw, reader->Next());
        if (dp) raw = raw.slice(0, first, last);
      } else {
        raw = images_.index_select(0, index);
      }

      optimizer_->zero_grad();
      torch::Tensor loss, step_correct;
      if (last > first) {
        torch::Tensor inputs = batches_.Normalize(raw);
        inputs = batches_.Augment(inputs, data_.augmentation);
        const torch::Tensor targets = labels_.index_select(0, index);
        torch::Tensor logits;
        {
          Bf16AutocastGuard autocast(options_.device, options_.bf16_autocast);
          logits = net_->forward(inputs);
          loss = options_.loss ? options_.loss(logits, targets, index, iteration)
                               : torch::nll_loss(torch::log_softmax(logits, 1), targets);
        }
        // The mean over all members' examples, times K: each member's
        // gradient is that of its own mean loss. Data-parallel: times this
        // rank's share of the batch, so that the ranks' sum is the batch mean.
        const double share = static_cast<double>(last - first) / static_cast<double>(rows);
        (loss * (static_cast<double>(together) * share)).backward();
        loss = loss.detach() * share;
        step_correct = logits.detach().argmax(1).eq(targets).sum();
      }
      double loss_value;
      if (dp) {  // the batch's loss and count over every rank
        // Left on the device: the all-reduce is the step's one synchronisation.
        torch::Tensor stats = loss.defined() ? torch::stack({loss.to(torch::kDouble), step_correct.to(torch::kDouble)})
                                             : torch::zeros({2}, torch::kDouble);
        ENS_RETURN_IF_ERROR(SumOverRanks(*dp, *net_, stats));
        loss_value = stats[0].item<double>();
        correct += static_cast<int64_t>(std::llround(stats[1].item<double>()));
      } else {
        loss_value = loss.item<double>();
        correct += step_correct;
      }
      optimizer_->step();
      if (dp) ENS_RETURN_IF_ERROR(TakeRankZeros(*dp, *net_, /*parameters=*/false));
      if (!std::isfinite(loss_value)) {
        return absl::InternalError(absl::StrCat(kDivergence, options_.label, " (", phase, ") epoch ",
                                                epoch, " iteration ", iteration, " has loss ", loss_value,
                                                " at lr ", lr, "; lower --lr"));
      }
      loss_sum += loss_value * rows;
      seen += rows;
      const IterationInfo info{iteration, total, epoch, lr};
      for (auto* callback : callbacks) callback->OnIterationEnd(info, *net_);
      if (options_.progress) {
        options_.progress->Iteration(options_.label, b + 1, iterations_per_epoch_, loss_sum / seen, lr);
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++epochs_done_;
    EpochRecord record{options_.member, phase, epochs_done_, lr, loss_sum / seen,
                       100.0 * static_cast<double>(correct.item<int64_t>()) / seen,
                       seconds, seen / std::max(seconds, 1e-9)};
    if (options_.history) options_.history->push_back(record);
    if (options_.progress) options_.progress->EpochDone(options_.label, record);
    for (auto* callback : callbacks) callback->OnEpochEnd(record, *net_);
    if (checkpointer) {
      progress_so_far.epochs_done = epoch;
      progress_so_far.trainer_epochs = epochs_done_;
      std::ostringstream order_state;
      for (size_t r = 0; r < order_rngs_.size(); ++r) order_state << (r ? " " : "") << order_rngs_[r];
      progress_so_far.order_rng = order_state.str();
      progress_so_far.history.push_back(record);
      progress_so_far.callbacks.clear();
      for (auto* callback : callbacks) progress_so_far.callbacks.push_back(callback->SaveState());
      ENS_RETURN_IF_ERROR(checkpointer->Save(run, progress_so_far, *net_, *optimizer_, options_.device));
    }
  }
  return absl::OkStatus();
}

absl::Status Trainer::Restore(const RunCheckpoint& saved, int64_t epochs, const std::vector<TrainerCallback*>& callbacks,
                              const std::string& phase, const std::string& file) {
  if (saved.epochs_done > epochs || saved.callbacks.size() != callbacks.size() ||
      static_cast<int64_t>(saved.history.size()) != saved.epochs_done) {
    return absl::FailedPreconditionError(absl::StrCat(file, ": ", saved.epochs_done, " of ", epochs, " epochs with ",
                                                      saved.callbacks.size(), " callbacks does not fit this run (",
                                                      options_.label, ", ", phase,
                                                      "): resumed with other flags?"));
  }
  std::istringstream order_state(saved.order_rng);
  for (auto& rng : order_rngs_) order_state >> rng;
  if (order_state.fail()) return absl::DataLossError(absl::StrCat(file, ": bad data-order generator state"));
  for (size_t c = 0; c < callbacks.size(); ++c) {
    absl::Status restored = callbacks[c]->RestoreState(saved.callbacks[c], *net_);
    if (!restored.ok()) return absl::DataLossError(absl::StrCat(file, ": callback ", c, ": ", restored.message()));
  }
  epochs_done_ = saved.trainer_epochs;
  if (options_.history) {
    options_.history->insert(options_.history->end(), saved.history.begin(), saved.history.end());
  }
  if (options_.progress) {
    options_.progress->Skip(saved.epochs_done);
    if (saved.epochs_done < epochs) {
      options_.progress->Message(absl::StrCat("resumed ", options_.label, " (", phase, ") after epoch ",
                                              saved.epochs_done, " of ", epochs));
    }
  }
  return absl::OkStatus();
}

absl::Status RecomputeBatchNorm(Network& net, const Dataset& data, const BatchMaker& batches, int64_t batch_size) {
  // c10::optional<double> in LibTorch 1.x, std::optional<double> in 2.x.
  using Momentum = std::decay_t<decltype(torch::nn::BatchNormOptions(1).momentum())>;
  std::vector<std::pair<torch::nn::BatchNorm2dImpl*, Momentum>> norms;
  for (const auto& module : net.modules(/*include_self=*/false)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(module.get())) {
      norms.emplace_back(bn, bn->options.momentum());
      bn->reset_running_stats();
      bn->options.momentum(Momentum());  // cumulative average over the pass
    }
  }
  if (norms.empty()) return absl::OkStatus();
  torch::NoGradGuard no_grad;
  net.train();
  const int64_t n = data.train.size();
  // Batches in order; a last batch of one example is left out.
  const int64_t count = n / batch_size + (n % batch_size >= 2 ? 1 : 0);
  std::unique_ptr<ImageStream::Reader> reader;
  if (data.train.streamed()) {
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    reader = data.train.stream->Read(std::move(order), batch_size, count);
  }
  absl::Status status;
  for (int64_t b = 0; b < count && status.ok(); ++b) {
    const int64_t begin = b * batch_size, end = std::min(begin + batch_size, n);
    absl::StatusOr<torch::Tensor> images =
        reader ? reader->Next() : absl::StatusOr<torch::Tensor>(data.train.images.slice(0, begin, end));
    if (images.ok()) {
      net.forward(batches.Normalize(*images));
    } else {
      status = images.status();
    }
  }
  for (auto& [bn, momentum] : norms) bn->options.momentum(momentum);
  net.eval();
  return status;
}

}  // namespace ens
