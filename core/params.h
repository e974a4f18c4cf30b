// Typed key=value options of one component (a method, a schedule, a model, a
// dataset), declared once with defaults, help text and range checks.
//
//   ParamSchema schema;
//   schema.Double("gamma", 0.1, "factor applied at each milestone").Min(0).Max(1)
//         .DoubleList("milestones", "0.5:0.75", "fractions of the budget");
//   ENS_ASSIGN_OR_RETURN(Params p, Params::Parse(schema, "gamma=0.2", "schedule 'step'"));
//   double gamma = p.Double("gamma");
//
// On the command line a component's parameters are one comma-separated list
// (`--schedule_args=gamma=0.2,milestones=0.3:0.6`); list values use ':'.
// Unknown keys, malformed or out-of-range values are errors that name the
// component, the key, the value and what is allowed.
#ifndef ENSEMBLES_CORE_PARAMS_H_
#define ENSEMBLES_CORE_PARAMS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace ens {

enum class ParamType { kInt, kDouble, kBool, kString, kDoubleList };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kDouble;
  // Textual default; std::nullopt means "taken from the run" (e.g. --lr), as
  // `default_note` says.
  std::optional<std::string> default_value;
  std::string default_note;
  std::string help;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> choices;  // kString only; empty = any string
};

// The declared parameters of one component. Builder calls chain; Min, Max and
// Choices apply to the parameter declared last.
class ParamSchema {
 public:
  ParamSchema& Int(std::string name, int64_t default_value, std::string help);
  ParamSchema& Double(std::string name, double default_value, std::string help);
  // A double with no fixed default: unset means `default_note` (e.g. "--lr").
  ParamSchema& OptionalDouble(std::string name, std::string default_note, std::string help);
  ParamSchema& Bool(std::string name, bool default_value, std::string help);
  ParamSchema& String(std::string name, std::string default_value, std::string help);
  // Values separated by ':' ("0.5:0.75"); an empty default means an empty list.
  ParamSchema& DoubleList(std::string name, std::string default_value, std::string help);
  ParamSchema& Min(double min);
  ParamSchema& Max(double max);
  ParamSchema& Choices(std::vector<std::string> choices);

  const std::vector<ParamSpec>& specs() const { return specs_; }
  const ParamSpec* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;
  // One line per parameter: "name (type, default X) help [range]".
  std::string Describe(absl::string_view indent) const;

 private:
  ParamSpec& Last();
  std::vector<ParamSpec> specs_;
};

// Parsed values of a schema. Accessors for undeclared names or the wrong type
// are programming errors and abort.
class Params {
 public:
  using Value = std::variant<int64_t, double, bool, std::string, std::vector<double>>;

  Params() = default;

  // Parses "k=v,k=v". `owner` names the component in error messages, e.g.
  // "schedule 'step'".
  static absl::StatusOr<Params> Parse(const ParamSchema& schema, absl::string_view text,
                                      absl::string_view owner);

  int64_t Int(absl::string_view name) const;
  double Double(absl::string_view name) const;
  bool Bool(absl::string_view name) const;
  const std::string& String(absl::string_view name) const;
  const std::vector<double>& DoubleList(absl::string_view name) const;
  // True when the value was given or has a default (false only for unset
  // optional parameters).
  bool Has(absl::string_view name) const;
  double DoubleOr(absl::string_view name, double fallback) const;
  // True when the user wrote this key (not a default).
  bool WasSet(absl::string_view name) const;

  // Every value, defaults included, as text: for results.json and logs.
  std::map<std::string, std::string> AsStrings() const;

 private:
  const Value& Get(absl::string_view name) const;
  std::map<std::string, Value> values_;
  std::vector<std::string> set_by_user_;
};

}  // namespace ens

#endif  // ENSEMBLES_CORE_PARAMS_H_
