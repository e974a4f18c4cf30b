// --list: every registered component with its description and parameters.
#ifndef ENSEMBLES_DRIVER_LIST_H_
#define ENSEMBLES_DRIVER_LIST_H_

#include <string>

namespace ens {

std::string DescribeRegistries();

}  // namespace ens

#endif  // ENSEMBLES_DRIVER_LIST_H_
