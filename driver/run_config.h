// The driver's flags as one plain struct: components never read flags.
#ifndef ENSEMBLES_DRIVER_RUN_CONFIG_H_
#define ENSEMBLES_DRIVER_RUN_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shift/robustness_flags.h"

namespace ens {

struct RunConfig {
  std::string method, method_args;
  std::string model, model_args;
  std::string dataset, dataset_args;
  std::string schedule, schedule_args;
  int64_t members = 5;
  int64_t epochs = 5;
  int64_t batch_size = 128;
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 5e-4;
  uint64_t seed = 0;
  std::string device = "auto";
  int64_t threads = 0;
  std::string out_dir;
  bool resume = false;     // continue the interrupted run in out_dir
  bool overwrite = false;  // replace a finished or interrupted run in out_dir
  std::string on_divergence = "fail";  // or "skip_member"
  bool dry_run = false;        // check flags and components, then stop
  bool channels_last = false;  // NHWC networks and batches
  std::string autocast = "off";  // or "bf16": mixed-precision training
  bool cudnn_benchmark = false;  // cuDNN picks the fastest algorithms (CUDA)
  int64_t members_together = 1;  // independent members trained as one batched network
  std::string eval_sizes;  // "1,2,5" or "" (every size)
  int64_t eval_batch_size = 1000;
  int64_t cnll_splits = 5;
  int64_t eval_orders = 1;  // member orders each size's metrics are averaged over
  std::string dee_reference;
  // Out-of-distribution and shifted sets evaluated with the test set
  // (shift/evaluation_sets.h): --ood, --ood_args, --shift, ...
  RobustnessFlags robustness;
  int64_t iters_per_epoch = 0;  // --print_lr only; 0 = from the dataset
  std::string command_line;
};

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_RUN_CONFIG_H_
