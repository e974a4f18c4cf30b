// Large counts for people: 1234567 -> "1.23M" (SI prefixes, 3 digits).
#ifndef ENSEMBLES_CORE_SHORT_NUMBER_H_
#define ENSEMBLES_CORE_SHORT_NUMBER_H_

#include <string>

namespace ens {

std::string ShortNumber(double value);

}  // namespace ens

#endif  // ENSEMBLES_CORE_SHORT_NUMBER_H_
