#include "engine/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>
#include <utility>

#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "core/autocast.h"
#include "core/status_macros.h"
#include "datasets/training_batches.h"
#include "engine/flops.h"

namespace ens {
namespace {

// The mark of a divergence error (a payload, so a message can say anything).
constexpr absl::string_view kDivergenceMark = "ens.training_diverged";

}  // namespace

torch::Tensor BatchHook::Correct(const torch::Tensor& logits, const TrainingBatch& batch) const {
  return logits.argmax(1).eq(batch.targets).sum();
}

absl::Status DivergenceError(const std::string& message) {
  absl::Status status = absl::InternalError(message);
  status.SetPayload(kDivergenceMark, absl::Cord());
  return status;
}

bool IsDivergence(const absl::Status& status) { return status.GetPayload(kDivergenceMark).has_value(); }

int64_t IterationsPerEpoch(int64_t examples, int64_t batch_size) {
  return std::max<int64_t>(1, examples / batch_size + (examples % batch_size >= 2 ? 1 : 0));
}

Trainer::Trainer(std::shared_ptr<Network> net, const Dataset& data, TrainerOptions options)
    : net_(std::move(net)),
      data_(data),
      options_(std::move(options)),
      batches_(data, options_.device, options_.channels_last),
      source_(std::make_unique<TrainingBatches>(data.train, options_.device)),
      labels_(data.train.labels.to(options_.device)),
      iterations_per_epoch_(IterationsPerEpoch(data.train.size(), options_.batch_size)),
      exchange_(options_.data_parallel) {
  if (options_.member_data_seeds.empty()) options_.member_data_seeds = {options_.data_seed};
  for (uint64_t seed : options_.member_data_seeds) order_rngs_.emplace_back(seed);
  net_->to(options_.device);
  if (options_.channels_last) ToChannelsLast(*net_);
  const auto sgd = [this](double weight_decay) {
    return torch::optim::SGDOptions(0.1)
        .momentum(options_.optimizer.momentum)
        .nesterov(options_.optimizer.nesterov)
        .weight_decay(weight_decay);
  };
  const std::vector<ParameterGroup> own =
      options_.parameter_groups ? options_.parameter_groups(*net_) : std::vector<ParameterGroup>();
  std::set<const void*> grouped;
  for (const auto& group : own) {
    for (const auto& p : group.parameters) grouped.insert(p.unsafeGetTensorImpl());
  }
  std::vector<torch::Tensor> rest;
  for (const auto& p : net_->parameters()) {
    if (grouped.count(p.unsafeGetTensorImpl()) == 0) rest.push_back(p);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!rest.empty() || own.empty()) {
    groups.emplace_back(rest, std::make_unique<torch::optim::SGDOptions>(sgd(options_.optimizer.weight_decay)));
    lr_factors_.push_back(1.0);
  }
  for (const auto& group : own) {
    groups.emplace_back(group.parameters, std::make_unique<torch::optim::SGDOptions>(sgd(group.weight_decay)));
    lr_factors_.push_back(group.lr_factor);
  }
  optimizer_ = std::make_unique<torch::optim::SGD>(std::move(groups), sgd(options_.optimizer.weight_decay));
}

Trainer::~Trainer() = default;

absl::Status Trainer::Run(const Schedule& schedule, int64_t epochs, const std::vector<TrainerCallback*>& callbacks,
                          const std::string& phase) {
  const int64_t total = epochs * iterations_per_epoch_;
  if (order_rngs_.size() > 1) ENS_RETURN_IF_ERROR(RequireInMemory(data_.train, "training members together"));
  Checkpointer* checkpointer = options_.checkpointer;
  // This Run call's number among the checkpointer's runs (none: no checkpoints).
  const std::optional<int64_t> run = checkpointer ? std::optional<int64_t>(checkpointer->NextRun()) : std::nullopt;
  ENS_ASSIGN_OR_RETURN(RunCheckpoint progress_so_far, Resume(run, epochs, callbacks, phase));
  ENS_RETURN_IF_ERROR(exchange_.Start(*net_, options_.data_seed, /*resumed=*/progress_so_far.epochs_done > 0));
  int64_t iteration = progress_so_far.epochs_done * iterations_per_epoch_;
  for (int64_t epoch = progress_so_far.epochs_done + 1; epoch <= epochs; ++epoch) {
    ENS_ASSIGN_OR_RETURN(const EpochRecord record, Epoch(schedule, epoch, total, iteration, callbacks, phase));
    ENS_RETURN_IF_ERROR(EndEpoch(record, epoch, run, progress_so_far, callbacks));
  }
  return absl::OkStatus();
}

absl::StatusOr<RunCheckpoint> Trainer::Resume(std::optional<int64_t> run, int64_t epochs,
                                              const std::vector<TrainerCallback*>& callbacks,
                                              const std::string& phase) {
  RunCheckpoint progress_so_far;
  Checkpointer* checkpointer = options_.checkpointer;
  if (!run) return progress_so_far;
  ENS_ASSIGN_OR_RETURN(std::optional<RunCheckpoint> saved,
                       checkpointer->Load(*run, *net_, *optimizer_, options_.device));
  if (saved) {
    ENS_RETURN_IF_ERROR(Restore(*saved, epochs, callbacks, phase, checkpointer->RunFile(*run)));
    progress_so_far = std::move(*saved);
  }
  return progress_so_far;
}

absl::StatusOr<EpochRecord> Trainer::Epoch(const Schedule& schedule, int64_t epoch, int64_t total,
                                           int64_t& iteration, const std::vector<TrainerCallback*>& callbacks,
                                           const std::string& phase) {
  const int64_t n = data_.train.size();
  const int64_t batch_size = std::min(options_.batch_size, n);
  net_->train();
  const auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> order(n);
  std::vector<torch::Tensor> orders;  // [together, n]
  for (auto& rng : order_rngs_) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    orders.push_back(torch::tensor(order, torch::kLong));
  }
  const torch::Tensor permutation = torch::stack(orders).to(options_.device);
  ENS_RETURN_IF_ERROR(source_->StartEpoch(order, batch_size, iterations_per_epoch_));
  double loss_sum = 0, lr = 0;
  int64_t seen = 0;
  // Counted on the device: one host synchronisation per iteration (the
  // loss, for the divergence check), not two.
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions(options_.device).dtype(torch::kDouble));
  for (int64_t b = 0; b < iterations_per_epoch_; ++b) {
    ++iteration;
    lr = schedule.LearningRate(iteration);
    const int64_t begin = b * batch_size;
    const int64_t end = std::min(begin + batch_size, n);
    const torch::Tensor rows = permutation.slice(1, begin, end).reshape({-1});  // member-major
    ENS_ASSIGN_OR_RETURN(const StepResult step, Step(rows, iteration, lr));
    if (!std::isfinite(step.loss)) {
      return DivergenceError(absl::StrCat("training diverged: ", options_.label, " (", phase, ") epoch ", epoch,
                                          " iteration ", iteration, " has loss ", step.loss, " at lr ", lr,
                                          "; lower --lr"));
    }
    correct += step.correct;
    loss_sum += step.loss * rows.size(0);
    seen += rows.size(0);
    const IterationInfo info{iteration, total, epoch, lr};
    for (auto* callback : callbacks) callback->OnIterationEnd(info, *net_);
    if (options_.progress) {
      options_.progress->Iteration(options_.label, b + 1, iterations_per_epoch_, loss_sum / seen, lr);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++epochs_done_;
  // The backward pass counted as twice the forward (one product for the
  // inputs' gradient, one for the weights'), the usual convention.
  const double flops = forward_flops_per_row_ >= 0 ? 3 * forward_flops_per_row_ * seen : NAN;
  return EpochRecord{options_.member, phase, epochs_done_, lr, loss_sum / seen,
                     100.0 * correct.item<double>() / seen, seconds, seen / std::max(seconds, 1e-9), flops};
}

torch::Tensor Trainer::Forward(const torch::Tensor& inputs, int64_t rows) {
  if (forward_flops_per_row_ >= 0 || std::isnan(forward_flops_per_row_)) return net_->forward(inputs);
  torch::Tensor logits;
  const std::optional<double> flops = CountFlops([&] { logits = net_->forward(inputs); });
  forward_flops_per_row_ = flops ? *flops / static_cast<double>(rows) : NAN;
  return logits;
}

absl::StatusOr<Trainer::StepResult> Trainer::Step(const torch::Tensor& rows, int64_t iteration, double lr) {
  auto& groups = optimizer_->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    static_cast<torch::optim::SGDOptions&>(groups[g].options()).lr(lr * lr_factors_[g]);
  }
  const int64_t count = rows.size(0);
  // This process's rows: all, or its data-parallel part.
  const auto [first, last] = exchange_.Rows(count);
  const torch::Tensor index = rows.slice(0, first, last);
  ENS_ASSIGN_OR_RETURN(const torch::Tensor raw, source_->Next(index, first, last));
  optimizer_->zero_grad();
  torch::Tensor loss, correct;
  if (last > first) {
    TrainingBatch batch{batches_.Augment(batches_.Normalize(raw), data_.augmentation),
                        labels_.index_select(0, index), index};
    if (options_.batch_hook) options_.batch_hook->Reshape(batch, iteration);
    torch::Tensor logits;
    {
      Bf16AutocastGuard autocast(options_.device, options_.bf16_autocast);
      logits = Forward(batch.inputs, last - first);
      loss = options_.loss ? options_.loss(logits, batch.targets, batch.index, iteration)
                           : torch::nll_loss(torch::log_softmax(logits, 1), batch.targets);
    }
    // The mean over all members' examples, times K: each member's gradient
    // is that of its own mean loss. Data-parallel: times this rank's share
    // of the batch, so that the ranks' sum is the batch mean.
    const double together = static_cast<double>(order_rngs_.size());
    const double share = static_cast<double>(last - first) / static_cast<double>(count);
    (loss * (together * share)).backward();
    loss = loss.detach() * share;
    static const BatchHook kAsTheyCome;
    correct = (options_.batch_hook ? *options_.batch_hook : kAsTheyCome).Correct(logits.detach(), batch);
  }
  StepResult result;
  if (exchange_.active()) {  // the batch's loss and count over every rank
    // Left on the device: the all-reduce is the step's one synchronisation.
    torch::Tensor stats = loss.defined() ? torch::stack({loss.to(torch::kDouble), correct.to(torch::kDouble)})
                                         : torch::zeros({2}, torch::kDouble);
    ENS_RETURN_IF_ERROR(exchange_.SumGradients(*net_, stats));
    result.loss = stats[0].item<double>();
    result.correct = stats[1];
  } else {
    result.loss = loss.item<double>();
    result.correct = correct;
  }
  optimizer_->step();
  ENS_RETURN_IF_ERROR(exchange_.AfterStep(*net_));
  return result;
}

absl::Status Trainer::EndEpoch(const EpochRecord& record, int64_t epoch, std::optional<int64_t> run,
                               RunCheckpoint& progress_so_far,
                               const std::vector<TrainerCallback*>& callbacks) {
  if (options_.history) options_.history->push_back(record);
  if (options_.progress) options_.progress->EpochDone(options_.label, record);
  for (auto* callback : callbacks) callback->OnEpochEnd(record, *net_);
  if (!run) return absl::OkStatus();
  progress_so_far.epochs_done = epoch;
  progress_so_far.trainer_epochs = epochs_done_;
  std::ostringstream order_state;
  for (size_t r = 0; r < order_rngs_.size(); ++r) order_state << (r ? " " : "") << order_rngs_[r];
  progress_so_far.order_rng = order_state.str();
  progress_so_far.history.push_back(record);
  progress_so_far.callbacks.clear();
  for (auto* callback : callbacks) progress_so_far.callbacks.push_back(callback->SaveState());
  return options_.checkpointer->Save(*run, progress_so_far, *net_, *optimizer_, options_.device);
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
    for (EpochRecord record : saved.history) {
      record.restored = true;
      options_.history->push_back(std::move(record));
    }
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
  // Read where the split lies (Normalize moves each batch to the device), so
  // a pass per sample never copies the whole split to the GPU.
  const torch::Device where = data.train.streamed() ? torch::Device(torch::kCPU) : data.train.images.device();
  TrainingBatches source(data.train, where);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  absl::Status status = source.StartEpoch(order, batch_size, count);
  const torch::TensorOptions indices = torch::TensorOptions(where).dtype(torch::kLong);
  for (int64_t b = 0; b < count && status.ok(); ++b) {
    const int64_t begin = b * batch_size, end = std::min(begin + batch_size, n);
    absl::StatusOr<torch::Tensor> images = source.Next(torch::arange(begin, end, indices), 0, end - begin);
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
