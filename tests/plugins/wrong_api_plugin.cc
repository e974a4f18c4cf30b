// A library that claims a plugin API version this driver does not have.
#include "core/plugin_loader.h"

extern "C" __attribute__((visibility("default"))) const ens::PluginInfo* ens_plugin_info() {
  static const ens::PluginInfo info{999, "from the future"};
  return &info;
}
