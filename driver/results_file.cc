#include "driver/results_file.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ens {

std::string ResultsJsonPath(const std::string& dir_or_file) {
  return absl::EndsWith(dir_or_file, ".json") ? dir_or_file : absl::StrCat(dir_or_file, "/results.json");
}

absl::StatusOr<nlohmann::json> ReadResultsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not valid JSON: ", e.what()));
  }
}

absl::StatusOr<std::vector<std::pair<double, double>>> ReadDeeReference(const std::string& path) {
  const std::string file = ResultsJsonPath(path);
  auto results = ReadResultsFile(file);
  if (!results.ok()) return results.status();
  std::vector<std::pair<double, double>> reference;
  try {
    const std::string method = (*results).at("config").at("method").get<std::string>();
    // Since 2026-12 results.json records the method's capabilities; an older
    // file says only the method's name, and the deep ensemble was the one
    // method of independently trained members besides `single`.
    const auto capabilities = results->find("method_capabilities");
    if (capabilities != results->end() && !capabilities->is_object()) {
      return absl::DataLossError(absl::StrCat(file, ": method_capabilities is not an object"));
    }
    const bool independent = capabilities != results->end()
                                 ? capabilities->value("independent_members_on_shared_data", false)
                                 : method == "deep_ensemble";
    if (!independent) {
      return absl::InvalidArgumentError(absl::StrCat("--dee_reference ", file, " is a '", method,
                                                     "' run, not independently trained members; DEE needs a deep "
                                                     "ensemble's run"));
    }
    for (const auto& m : (*results).at("metrics")) {
      if (m.at("cnll").is_null()) continue;
      const double size = m.at("size").get<double>();
      if (!reference.empty() && size <= reference.back().first) {
        return absl::DataLossError(absl::StrCat(file, ": metrics not in ascending order of size at size ", size));
      }
      reference.emplace_back(size, m.at("cnll").get<double>());
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(file, ": no usable metrics: ", e.what()));
  }
  if (reference.empty() || reference.front().first != 1) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": the reference must include ensemble size 1"));
  }
  if (reference.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat("--dee_reference ", file, " has one ensemble size; DEE needs a "
                                                   "deep ensemble's curve over sizes"));
  }
  return reference;
}

}  // namespace ens
