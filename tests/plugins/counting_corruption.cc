// A test's corruption plugin: "counted", the identity, each call logged (its
// severity and seed, one line) to the file named by ENS_CORRUPTION_CALLS, so
// that robustness_driver_test can see each corrupted set made once for all
// members, not once per member.
#include <cstdio>
#include <cstdlib>

#include "core/plugin_loader.h"
#include "shift/corruption.h"

ENS_PLUGIN("counting corruption") {
  ENS_REGISTER(ens::CorruptionRegistry(), "counted",
               "the identity, each call logged to the file $ENS_CORRUPTION_CALLS (a test's plugin)",
               ens::ParamSchema(), [](const ens::Params&) -> ens::Corruption {
                 return [](const torch::Tensor& x, int severity, uint64_t seed) {
                   if (const char* path = std::getenv("ENS_CORRUPTION_CALLS")) {
                     if (FILE* log = std::fopen(path, "a")) {
                       std::fprintf(log, "%d %llu\n", severity, static_cast<unsigned long long>(seed));
                       std::fclose(log);
                     }
                   }
                   return x.clone();
                 };
               });
}
