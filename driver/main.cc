// The driver: composes registered components from flags.
//
//   bazel run //:driver                                  # the default job
//   bazel run //:driver -- --list
//   bazel run //:driver -- --method=snapshot --members=5 --epochs=40
//   bazel run //:driver -- --plugins=bazel-bin/plugins/one_cycle_schedule.so --schedule=one_cycle --print_lr
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <cstring>
#include <string>
#include <vector>

#include <gflags/gflags.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/error_text.h"
#include "core/plugin_loader.h"
#include "core/user_path.h"
#include "driver/inspect.h"
#include "driver/job.h"
#include "driver/list.h"
#include "driver/process_exit.h"
#include "driver/run_config.h"
#include "driver/verbosity.h"
#include "engine/cpu_memory.h"
#include "engine/cpu_threads.h"

DEFINE_bool(list, false, "print every registered method, model, dataset and schedule with its parameters, then exit");
DEFINE_string(method, "deep_ensemble", "ensemble method (see --list)");
DEFINE_string(method_args, "", "method parameters, comma-separated key=value");
DEFINE_string(model, "lenet", "architecture (see --list)");
DEFINE_string(model_args, "", "model parameters, comma-separated key=value");
DEFINE_string(dataset, "fashion_mnist", "dataset (see --list)");
DEFINE_string(dataset_args, "", "dataset parameters, comma-separated key=value");
DEFINE_string(schedule, "", "learning-rate schedule for methods that take one (empty: the method's default)");
DEFINE_string(schedule_args, "", "schedule parameters, comma-separated key=value");
DEFINE_int64(members, 3, "ensemble size: members, snapshots, cycles or samples");
DEFINE_int64(epochs, 3, "training budget in epochs (per member for independent members; see --list)");
DEFINE_int64(batch_size, 128, "training batch size");
DEFINE_double(lr, 0.05, "initial learning rate (the default of every schedule's initial rate)");
DEFINE_double(momentum, 0.9, "SGD momentum");
DEFINE_bool(nesterov, false, "Nesterov momentum");
DEFINE_double(weight_decay, 5e-4, "L2 weight decay");
DEFINE_uint64(seed, 0, "seed of initialisation, data order, hold-out split and sampling");
DEFINE_string(device, "auto", "cpu, cuda or auto (cuda when available)");
DEFINE_int64(threads, 0, "intra-op CPU threads (0: every core; LibTorch's own default here is 1)");
DEFINE_string(out_dir, "", "results directory (default runs/<method>_<model>_<dataset>_<time>)");
DEFINE_bool(resume, false, "continue the run interrupted in --out_dir from its last checkpoint (same flags)");
DEFINE_bool(overwrite, false, "replace the finished or interrupted run in --out_dir");
DEFINE_string(on_divergence, "fail", "a non-finite training loss: fail (stop the job) or skip_member (drop that "
              "member, for methods of independently trained members)");
DEFINE_bool(dry_run, false, "check every flag, component and parameter (e.g. of a flagfile), print the plan, "
            "and exit without loading data or training");
DEFINE_bool(channels_last, false, "networks and batches in the NHWC memory layout: faster convolutions "
            "(oneDNN on CPU, cuDNN on CUDA); results differ from the default layout by rounding only");
DEFINE_string(autocast, "off", "off or bf16: training's forward pass and loss in bfloat16 where LibTorch's autocast "
              "deems it safe (convolutions, matmuls); weights and optimizer stay float32");
DEFINE_bool(cudnn_benchmark, false, "CUDA: cuDNN times its algorithms for each shape and keeps the fastest "
            "(faster convolutions, not bitwise reproducible)");
DEFINE_int64(members_together, 1, "independent members on shared data trained K at a time as one batched network "
             "(grouped convolutions): same initialisation and data order as alone, more work per kernel");
DEFINE_string(plugins, "", "comma-separated plugin libraries (.so) to load before names are resolved");
DEFINE_bool(print_lr, false, "print the schedule (--schedule, --epochs, --iters_per_epoch) as CSV and exit");
DEFINE_int64(iters_per_epoch, 0, "iterations per epoch for --print_lr (0: from the dataset and --batch_size)");
DEFINE_string(eval_sizes, "", "ensemble sizes to evaluate, e.g. 1,2,5 (empty: every size)");
DEFINE_int64(eval_batch_size, 1000, "evaluation batch size");
DEFINE_int64(cnll_splits, 5, "random test-set splits for the calibrated NLL");
DEFINE_int64(eval_orders, 1, "average each ensemble size's metrics over this many orders of the members (the "
             "members' own, then random ones from --seed), as the Pitfalls paper does for deep ensembles; "
             "methods whose members come in a sequence refuse > 1; holds every member's test predictions in "
             "memory");
DEFINE_string(dee_reference, "", "results.json (or its directory) of a deep ensemble's run, for DEE");
DEFINE_string(ood, "", "out-of-distribution sets evaluated with the test set, comma-separated (see --list): "
              "AUROC, AUPR and FPR95 of each uncertainty score per ensemble size");
DEFINE_string(ood_args, "", "their parameters: NAME:k=v,...;NAME:k=v,... (with one set, plain k=v,...)");
DEFINE_string(shift, "", "corruptions of the test set to evaluate on (all, or comma-separated names; see --list)");
DEFINE_string(shift_severities, "1:2:3:4:5", "severities of each corruption, ':'-separated, in 1..5");
DEFINE_string(shift_args, "", "corruption parameters: NAME:k=v,...;NAME:k=v,... (with one corruption, k=v,...)");
DEFINE_string(shift_dump, "", "directory: the first 100 corrupted test images of each set as .npy (float32 in "
              "[0, 1], N x C x H x W, before normalisation)");
DEFINE_bool(describe_model, false, "print --model's layers and parameter count for --input_shape, --num_classes");
DEFINE_string(input_shape, "1x28x28", "CxHxW input for --describe_model");
DEFINE_int64(num_classes, 10, "classes for --describe_model");
DEFINE_int64(dist_timeout_s, 300, "distributed runs (WORLD_SIZE > 1 in the environment): seconds to wait for every "
             "rank to arrive, and for any collective step (a rank's members are awaited without limit)");
DEFINE_bool(eval_only, false, "evaluate the members saved in --out_dir again, without training");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInternal ? 1 : 2;
}

ens::RunConfig ConfigFromFlags(int argc, char** argv) {
  ens::RunConfig c;
  c.method = FLAGS_method;
  c.method_args = FLAGS_method_args;
  c.model = FLAGS_model;
  c.model_args = FLAGS_model_args;
  c.dataset = FLAGS_dataset;
  c.dataset_args = FLAGS_dataset_args;
  c.schedule = FLAGS_schedule;
  c.schedule_args = FLAGS_schedule_args;
  c.members = FLAGS_members;
  c.epochs = FLAGS_epochs;
  c.batch_size = FLAGS_batch_size;
  c.lr = FLAGS_lr;
  c.momentum = FLAGS_momentum;
  c.nesterov = FLAGS_nesterov;
  c.weight_decay = FLAGS_weight_decay;
  c.seed = FLAGS_seed;
  c.device = FLAGS_device;
  c.threads = FLAGS_threads;
  c.out_dir = FLAGS_out_dir;
  c.resume = FLAGS_resume;
  c.overwrite = FLAGS_overwrite;
  c.on_divergence = FLAGS_on_divergence;
  c.dry_run = FLAGS_dry_run;
  c.channels_last = FLAGS_channels_last;
  c.autocast = FLAGS_autocast;
  c.cudnn_benchmark = FLAGS_cudnn_benchmark;
  c.members_together = FLAGS_members_together;
  c.eval_sizes = FLAGS_eval_sizes;
  c.eval_batch_size = FLAGS_eval_batch_size;
  c.cnll_splits = FLAGS_cnll_splits;
  c.eval_orders = FLAGS_eval_orders;
  c.dee_reference = FLAGS_dee_reference;
  c.robustness = {FLAGS_ood, FLAGS_ood_args, FLAGS_shift, FLAGS_shift_severities, FLAGS_shift_args, FLAGS_shift_dump};
  c.iters_per_epoch = FLAGS_iters_per_epoch;
  for (int i = 0; i < argc; ++i) absl::StrAppend(&c.command_line, i ? " " : "", argv[i]);
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  ens::RestartForFasterBlasKernels(argv);  // first: may start this program again
  ens::KeepFreedMemoryForReuse();  // before any tensor exists
  ens::DefineVerbosityFlagIfMissing();
  gflags::SetUsageMessage("trains and evaluates ensembles of neural networks; --list shows the components");
  // --flagfile paths as the user typed them (bazel run starts us elsewhere).
  std::vector<std::string> args(argv, argv + argc);
  for (auto& arg : args) {
    for (const char* prefix : {"--flagfile=", "-flagfile="}) {
      if (absl::StartsWith(arg, prefix)) arg = absl::StrCat(prefix, ens::UserPath(arg.substr(std::strlen(prefix))));
    }
  }
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);
  argv = arg_pointers.data();
  const int original_argc = argc;
  char** original_argv = argv;
  ens::RunConfig config = [&] {
    gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
    return ConfigFromFlags(original_argc, original_argv);
  }();
  ens::SetFullErrorTexts(ens::Verbosity() >= 1);
  if (argc > 1) {
    std::fprintf(stderr, "error: unexpected argument '%s' (flags look like --name=value)\n", argv[1]);
    return 2;
  }
  try {
    if (absl::Status status = ens::LoadPlugins(FLAGS_plugins); !status.ok()) return Fail(status);
    if (FLAGS_threads < 0) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--threads=", FLAGS_threads, " must be >= 0 (0: every core)")));
    }
    config.threads = ens::ConfigureCpuThreads(static_cast<int>(FLAGS_threads));
    if (FLAGS_list) {
      std::printf("%s", ens::DescribeRegistries().c_str());
      return 0;
    }
    if (FLAGS_describe_model) {
      absl::Status status = ens::DescribeModel(config, FLAGS_input_shape, FLAGS_num_classes, stdout);
      return status.ok() ? 0 : Fail(status);
    }
    if (FLAGS_print_lr) {
      absl::Status status = ens::PrintLearningRates(config, stdout);
      return status.ok() ? 0 : Fail(status);
    }
    absl::StatusOr<ens::DistributedEnv> env = ens::ReadDistributedEnv();
    if (!env.ok()) return Fail(env.status());
    if (env->world_size > 1 && FLAGS_eval_only) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--eval_only runs in one process, but the environment says WORLD_SIZE=", env->world_size)));
    }
    if (FLAGS_eval_only) {
      absl::Status status = ens::RunEvalOnly(config);
      return ens::FinishProcess(status.ok() ? 0 : Fail(status));
    }
    std::unique_ptr<ens::Distributed> dist;
    if (env->world_size > 1) {
      if (FLAGS_dist_timeout_s < 1) {
        return Fail(absl::InvalidArgumentError(absl::StrCat("--dist_timeout_s=", FLAGS_dist_timeout_s, " must be >= 1")));
      }
      absl::StatusOr<std::unique_ptr<ens::Distributed>> connected =
          ens::Distributed::Connect(*env, std::chrono::seconds(FLAGS_dist_timeout_s));
      if (!connected.ok()) return Fail(connected.status());
      dist = std::move(*connected);
    }
    absl::Status status = ens::RunTraining(config, dist.get());
    if (!status.ok() && dist) {
      status = absl::Status(status.code(), absl::StrCat(dist->Describe(), ": ", status.message()));
    }
    dist.reset();  // the process groups go while every library is still there
    return ens::FinishProcess(status.ok() ? 0 : Fail(status));
  } catch (const std::exception& e) {
    // LibTorch reports through exceptions: one line, its backtrace at --v=1.
    std::fprintf(stderr, "error: %s\n", ens::ErrorText(e).c_str());
    return ens::FinishProcess(1);
  }
}
