#include "shift/ood_set.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace ens {

Registry<OodSetFactory>& OodSetRegistry() {
  static auto* registry = new Registry<OodSetFactory>("out-of-distribution set", "--ood");
  return *registry;
}

absl::StatusOr<torch::Tensor> MakeOodSet(absl::string_view name, absl::string_view args, const OodContext& context) {
  ENS_ASSIGN_OR_RETURN(const auto* entry, OodSetRegistry().Find(name));
  const std::string owner = absl::StrCat("--ood=", name);
  ENS_ASSIGN_OR_RETURN(const Params params, Params::Parse(entry->schema, args, owner));
  absl::StatusOr<torch::Tensor> images = entry->factory(params, context);
  if (!images.ok()) return absl::Status(images.status().code(), absl::StrCat(owner, ": ", images.status().message()));
  const torch::Tensor& test = context.in_domain->test.images;
  if (images->dim() != 4 || images->scalar_type() != torch::kByte) {
    return absl::InternalError(absl::StrCat(owner, " made no uint8 [N, C, H, W] images"));
  }
  if (images->sizes().slice(1) != test.sizes().slice(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        owner, ": its images are ", absl::StrJoin(images->sizes().slice(1), "x"), " but ",
        context.in_domain->name, "'s are ", absl::StrJoin(test.sizes().slice(1), "x"),
        " (channels x height x width): an out-of-distribution set must fit the network's input"));
  }
  if (images->size(0) == 0) return absl::InvalidArgumentError(absl::StrCat(owner, " holds no images"));
  return images;
}

}  // namespace ens
