// One CSV field: as it is, or quoted (inner quotes doubled) when it holds a
// comma, a quote or a line break (RFC 4180).
#ifndef ENSEMBLES_CORE_CSV_FIELD_H_
#define ENSEMBLES_CORE_CSV_FIELD_H_

#include <string>

namespace ens {

inline std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace ens

#endif  // ENSEMBLES_CORE_CSV_FIELD_H_
