#include "shift/evaluation_sets.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/atomic_file.h"
#include "core/error_text.h"
#include "core/npy.h"
#include "core/status_macros.h"
#include "core/user_path.h"
#include "shift/corruption.h"
#include "shift/ood_set.h"

namespace ens {
namespace {

constexpr int64_t kDumpImages = 100;
constexpr int64_t kChunk = 1000;  // images corrupted at once

// "NAME:k=v,...;NAME:..." by name; with exactly one name, a plain "k=v,..."
// is that name's.
absl::StatusOr<std::vector<NamedArgs>> WithArgs(const std::string& flag, const std::vector<std::string>& names,
                                                const std::string& args_flag, const std::string& args) {
  std::vector<NamedArgs> out;
  for (const std::string& name : names) out.push_back({name, ""});
  if (args.empty()) return out;
  for (absl::string_view part : absl::StrSplit(args, ';', absl::SkipEmpty())) {
    const size_t colon = part.find(':');
    const size_t equals = part.find('=');
    std::string name, values;
    if (colon != absl::string_view::npos && (equals == absl::string_view::npos || colon < equals)) {
      name = std::string(part.substr(0, colon));
      values = std::string(part.substr(colon + 1));
    } else if (names.size() == 1) {
      name = names[0];
      values = std::string(part);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(args_flag, "=", args, ": with several sets in ", flag,
                                                     ", name the one each parameter is for (NAME:k=v,...;NAME:...)"));
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const NamedArgs& n) { return n.name == name; });
    if (it == out.end()) {
      return absl::InvalidArgumentError(absl::StrCat(args_flag, ": '", name, "' is not in ", flag));
    }
    it->args = it->args.empty() ? values : absl::StrCat(it->args, ",", values);
  }
  return out;
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) names.emplace_back(name);
  return names;
}

// A seed per (corruption, severity, chunk): FNV-1a of the name mixed with the
// rest by splitmix64.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t SetSeed(uint64_t seed, const std::string& name, int severity, int64_t chunk) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return Mix(Mix(Mix(seed ^ h) + static_cast<uint64_t>(severity)) + static_cast<uint64_t>(chunk));
}

}  // namespace

absl::StatusOr<RobustnessRequest> ParseRobustnessFlags(const RobustnessFlags& flags) {
  RobustnessRequest request;
  std::vector<std::string> ood = SplitNames(flags.ood);
  ENS_ASSIGN_OR_RETURN(request.ood, WithArgs("--ood", ood, "--ood_args", flags.ood_args));
  std::set<std::string> seen;
  for (const NamedArgs& set : request.ood) {
    if (!seen.insert(set.name).second) return absl::InvalidArgumentError(absl::StrCat("--ood: ", set.name, " twice"));
    ENS_ASSIGN_OR_RETURN(const auto* entry, OodSetRegistry().Find(set.name));
    ENS_RETURN_IF_ERROR(Params::Parse(entry->schema, set.args, absl::StrCat("--ood=", set.name)).status());
  }
  std::vector<std::string> shift = SplitNames(flags.shift);
  if (shift.size() == 1 && shift[0] == "all") {
    shift.clear();
    for (const auto* entry : CorruptionRegistry().Entries()) shift.push_back(entry->name);
  }
  ENS_ASSIGN_OR_RETURN(request.corruptions, WithArgs("--shift", shift, "--shift_args", flags.shift_args));
  seen.clear();
  for (const NamedArgs& corruption : request.corruptions) {
    if (!seen.insert(corruption.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("--shift: ", corruption.name, " twice"));
    }
    ENS_RETURN_IF_ERROR(MakeCorruption(corruption.name, corruption.args).status());
  }
  ENS_ASSIGN_OR_RETURN(request.severities, ParseSeverities(flags.shift_severities));
  request.dump_dir = flags.shift_dump;
  if (!request.dump_dir.empty() && request.corruptions.empty()) {
    return absl::InvalidArgumentError("--shift_dump needs --shift");
  }
  return request;
}

absl::StatusOr<EvaluationSets> BuildEvaluationSets(const RobustnessRequest& request, const Dataset& data,
                                                   const EvaluationSetsContext& context) {
  ENS_RETURN_IF_ERROR(RequireInMemory(data.test, "--ood / --shift"));
  EvaluationSets sets;
  std::vector<torch::Tensor> images = {data.test.images};
  std::vector<torch::Tensor> labels = {data.test.labels};
  int64_t rows = data.test.size();
  sets.segments.push_back({EvaluationSets::Kind::kTest, "test", "", 0, 0, rows});
  const auto add = [&](EvaluationSets::Segment segment, torch::Tensor set_images, torch::Tensor set_labels) {
    segment.begin = rows;
    rows += set_images.size(0);
    segment.end = rows;
    sets.segments.push_back(std::move(segment));
    images.push_back(std::move(set_images));
    labels.push_back(std::move(set_labels));
  };
  OodContext ood_context;
  ood_context.in_domain = &data;
  ood_context.seed = context.seed;
  for (const NamedArgs& set : request.ood) {
    ENS_ASSIGN_OR_RETURN(torch::Tensor ood, MakeOodSet(set.name, set.args, ood_context));
    const int64_t n = ood.size(0);
    add({EvaluationSets::Kind::kOod, set.name, set.args}, std::move(ood), torch::zeros({n}, torch::kLong));
  }
  const std::string dump_dir = UserPath(request.dump_dir);
  if (!dump_dir.empty()) ENS_RETURN_IF_ERROR(MakeDirectories(dump_dir));
  const torch::Tensor clean = data.test.images;
  for (const NamedArgs& corruption : request.corruptions) {
    ENS_ASSIGN_OR_RETURN(const Corruption corrupt, MakeCorruption(corruption.name, corruption.args));
    for (int severity : request.severities) {
      std::vector<torch::Tensor> chunks;
      for (int64_t begin = 0, chunk = 0; begin < clean.size(0); begin += kChunk, ++chunk) {
        const torch::Tensor x = clean.slice(0, begin, begin + kChunk).to(context.device, torch::kFloat) / 255.0;
        torch::Tensor shifted;
        try {
          shifted = corrupt(x, severity, SetSeed(context.seed, corruption.name, severity, chunk));
        } catch (const std::exception& e) {
          return absl::InvalidArgumentError(absl::StrCat("--shift=", corruption.name, " at severity ", severity,
                                                         ": ", ErrorText(e)));
        }
        if (shifted.sizes() != x.sizes()) {
          return absl::InternalError(absl::StrCat("corruption '", corruption.name, "' changed the images' shape"));
        }
        if (chunk == 0 && !dump_dir.empty()) {
          ENS_RETURN_IF_ERROR(WriteNpy(absl::StrFormat("%s/%s_%d.npy", dump_dir, corruption.name, severity),
                                       shifted.slice(0, 0, kDumpImages).to(torch::kCPU, torch::kFloat).contiguous()));
        }
        // Truncated to 8 bits as the generator's np.uint8 does; the 1e-4 keeps an
        // unchanged pixel from losing a level to float round-off.
        chunks.push_back((shifted * 255 + 1e-4).floor().clamp(0, 255).to(torch::kCPU, torch::kByte));
      }
      add({EvaluationSets::Kind::kShift, corruption.name, corruption.args, severity}, torch::cat(chunks),
          data.test.labels);
    }
  }
  sets.split = {torch::cat(images), torch::cat(labels)};
  return sets;
}

}  // namespace ens
