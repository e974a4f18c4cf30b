#include "driver/finished_run.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "driver/results.h"
#include "driver/results_file.h"

namespace ens {

absl::StatusOr<FinishedRun> OpenFinishedRun(const std::string& dir, const std::function<void(RunConfig&)>& adjust) {
  FinishedRun run;
  run.dir = dir;
  const std::string results_path = absl::StrCat(dir, "/results.json");
  ENS_ASSIGN_OR_RETURN(run.results, ReadResultsFile(results_path));
  ENS_ASSIGN_OR_RETURN(run.config, ConfigFromResults(run.results, results_path));
  if (adjust) adjust(run.config);
  ENS_RETURN_IF_ERROR(CheckCommonFlags(run.config));
  ENS_ASSIGN_OR_RETURN(run.components, ResolveComponents(run.config));
  ENS_ASSIGN_OR_RETURN(run.device, DeviceFor(run.config));
  ENS_ASSIGN_OR_RETURN(run.data, MakeDataset(run.config.dataset, run.config.dataset_args, {run.config.seed}));
  ENS_ASSIGN_OR_RETURN(run.ensemble, LoadEnsemble(absl::StrCat(dir, "/members")));
  return run;
}

}  // namespace ens
