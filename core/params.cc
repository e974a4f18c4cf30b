#include "core/params.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/closest_name.h"

namespace ens {
namespace {

const char* TypeName(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "int";
    case ParamType::kDouble: return "float";
    case ParamType::kBool: return "bool";
    case ParamType::kString: return "string";
    case ParamType::kDoubleList: return "list of floats, ':'-separated";
  }
  return "?";
}

std::string FormatNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.10g", value);
  return buffer;
}

std::string RangeText(const ParamSpec& spec) {
  if (spec.min && spec.max) return absl::StrCat("[", FormatNumber(*spec.min), ", ", FormatNumber(*spec.max), "]");
  if (spec.min) return absl::StrCat(">= ", FormatNumber(*spec.min));
  if (spec.max) return absl::StrCat("<= ", FormatNumber(*spec.max));
  return "";
}

absl::Status CheckRange(const ParamSpec& spec, double value, absl::string_view text,
                        absl::string_view owner) {
  if (!std::isfinite(value) || (spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
    return absl::InvalidArgumentError(absl::StrCat(owner, ": parameter '", spec.name, "'='", text,
                                                   "' is out of range; allowed: ", RangeText(spec)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Params::Value> ParseValue(const ParamSpec& spec, absl::string_view text,
                                         absl::string_view owner) {
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat(owner, ": parameter '", spec.name, "'='", text,
                                                   "' is not ", expected));
  };
  switch (spec.type) {
    case ParamType::kInt: {
      int64_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return bad("an integer");
      auto status = CheckRange(spec, static_cast<double>(value), text, owner);
      if (!status.ok()) return status;
      return Params::Value(value);
    }
    case ParamType::kDouble: {
      double value = 0;
      if (!absl::SimpleAtod(text, &value)) return bad("a number");
      auto status = CheckRange(spec, value, text, owner);
      if (!status.ok()) return status;
      return Params::Value(value);
    }
    case ParamType::kBool: {
      bool value = false;
      if (!absl::SimpleAtob(text, &value)) return bad("a boolean (true/false/1/0)");
      return Params::Value(value);
    }
    case ParamType::kString: {
      if (!spec.choices.empty()) {
        bool allowed = false;
        for (const auto& choice : spec.choices) allowed |= (choice == text);
        if (!allowed) {
          return absl::InvalidArgumentError(absl::StrCat(owner, ": parameter '", spec.name, "'='",
                                                         text, "' must be one of: ",
                                                         absl::StrJoin(spec.choices, ", ")));
        }
      }
      return Params::Value(std::string(text));
    }
    case ParamType::kDoubleList: {
      std::vector<double> values;
      if (!text.empty()) {
        for (absl::string_view part : absl::StrSplit(text, ':')) {
          double value = 0;
          if (!absl::SimpleAtod(part, &value)) return bad("a ':'-separated list of numbers");
          auto status = CheckRange(spec, value, text, owner);
          if (!status.ok()) return status;
          values.push_back(value);
        }
      }
      return Params::Value(std::move(values));
    }
  }
  return bad("valid");
}

}  // namespace

ParamSpec& ParamSchema::Last() {
  if (specs_.empty()) {
    std::fprintf(stderr, "ParamSchema: Min/Max/Choices called before any parameter\n");
    std::abort();
  }
  return specs_.back();
}

ParamSchema& ParamSchema::Int(std::string name, int64_t default_value, std::string help) {
  specs_.push_back({std::move(name), ParamType::kInt, std::to_string(default_value), "", std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::Double(std::string name, double default_value, std::string help) {
  specs_.push_back({std::move(name), ParamType::kDouble, FormatNumber(default_value), "", std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::OptionalDouble(std::string name, std::string default_note, std::string help) {
  specs_.push_back({std::move(name), ParamType::kDouble, std::nullopt, std::move(default_note), std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::Bool(std::string name, bool default_value, std::string help) {
  specs_.push_back({std::move(name), ParamType::kBool, default_value ? "true" : "false", "", std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::String(std::string name, std::string default_value, std::string help) {
  specs_.push_back({std::move(name), ParamType::kString, std::move(default_value), "", std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::DoubleList(std::string name, std::string default_value, std::string help) {
  specs_.push_back({std::move(name), ParamType::kDoubleList, std::move(default_value), "", std::move(help)});
  return *this;
}

ParamSchema& ParamSchema::Min(double min) {
  Last().min = min;
  return *this;
}

ParamSchema& ParamSchema::Max(double max) {
  Last().max = max;
  return *this;
}

ParamSchema& ParamSchema::Choices(std::vector<std::string> choices) {
  Last().choices = std::move(choices);
  return *this;
}

const ParamSpec* ParamSchema::Find(absl::string_view name) const {
  for (const auto& spec : specs_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string> ParamSchema::Names() const {
  std::vector<std::string> names;
  for (const auto& spec : specs_) names.push_back(spec.name);
  return names;
}

std::string ParamSchema::Describe(absl::string_view indent) const {
  std::string out;
  for (const auto& spec : specs_) {
    std::string details = TypeName(spec.type);
    if (spec.default_value) {
      absl::StrAppend(&details, ", default ", spec.default_value->empty() ? "(empty)" : *spec.default_value);
    } else {
      absl::StrAppend(&details, ", default ", spec.default_note);
    }
    const std::string range = RangeText(spec);
    if (!range.empty()) absl::StrAppend(&details, ", ", range);
    if (!spec.choices.empty()) absl::StrAppend(&details, ", one of ", absl::StrJoin(spec.choices, "|"));
    absl::StrAppend(&out, indent, spec.name, " (", details, "): ", spec.help, "\n");
  }
  return out;
}

absl::StatusOr<Params> Params::Parse(const ParamSchema& schema, absl::string_view text,
                                     absl::string_view owner) {
  Params params;
  for (const auto& spec : schema.specs()) {
    if (!spec.default_value) continue;
    auto value = ParseValue(spec, *spec.default_value, owner);
    if (!value.ok()) return value.status();
    params.values_[spec.name] = *std::move(value);
  }
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return params;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(owner, ": expected key=value, got '", item,
                                                     "' (parameters: ",
                                                     absl::StrJoin(schema.Names(), ", "), ")"));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(item.substr(0, eq));
    const absl::string_view value_text = absl::StripAsciiWhitespace(item.substr(eq + 1));
    const ParamSpec* spec = schema.Find(key);
    if (spec == nullptr) {
      const std::vector<std::string> names = schema.Names();
      const std::string closest = ClosestName(key, names);
      return absl::InvalidArgumentError(absl::StrCat(
          owner, ": unknown parameter '", key, "'",
          closest.empty() ? "" : absl::StrCat("; did you mean '", closest, "'?"),
          names.empty() ? "; it takes no parameters" : absl::StrCat("; allowed: ", absl::StrJoin(names, ", "))));
    }
    for (const auto& seen : params.set_by_user_) {
      if (seen == key) {
        return absl::InvalidArgumentError(absl::StrCat(owner, ": parameter '", key, "' given twice"));
      }
    }
    auto value = ParseValue(*spec, value_text, owner);
    if (!value.ok()) return value.status();
    params.values_[spec->name] = *std::move(value);
    params.set_by_user_.push_back(spec->name);
  }
  return params;
}

const Params::Value& Params::Get(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  if (it == values_.end()) {
    std::fprintf(stderr, "Params: no value for '%.*s' (undeclared, or optional and unset)\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

template <typename T>
static const T& GetAs(const Params::Value& value, absl::string_view name) {
  const T* typed = std::get_if<T>(&value);
  if (typed == nullptr) {
    std::fprintf(stderr, "Params: '%.*s' read with the wrong type\n", static_cast<int>(name.size()),
                 name.data());
    std::abort();
  }
  return *typed;
}

int64_t Params::Int(absl::string_view name) const { return GetAs<int64_t>(Get(name), name); }
double Params::Double(absl::string_view name) const { return GetAs<double>(Get(name), name); }
bool Params::Bool(absl::string_view name) const { return GetAs<bool>(Get(name), name); }
const std::string& Params::String(absl::string_view name) const {
  return GetAs<std::string>(Get(name), name);
}
const std::vector<double>& Params::DoubleList(absl::string_view name) const {
  return GetAs<std::vector<double>>(Get(name), name);
}

bool Params::Has(absl::string_view name) const { return values_.count(std::string(name)) > 0; }

double Params::DoubleOr(absl::string_view name, double fallback) const {
  return Has(name) ? Double(name) : fallback;
}

bool Params::WasSet(absl::string_view name) const {
  for (const auto& key : set_by_user_) {
    if (key == name) return true;
  }
  return false;
}

std::map<std::string, std::string> Params::AsStrings() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : values_) {
    if (auto* i = std::get_if<int64_t>(&value)) {
      out[name] = std::to_string(*i);
    } else if (auto* d = std::get_if<double>(&value)) {
      out[name] = FormatNumber(*d);
    } else if (auto* b = std::get_if<bool>(&value)) {
      out[name] = *b ? "true" : "false";
    } else if (auto* s = std::get_if<std::string>(&value)) {
      out[name] = *s;
    } else if (auto* list = std::get_if<std::vector<double>>(&value)) {
      std::vector<std::string> parts;
      for (double x : *list) parts.push_back(FormatNumber(x));
      out[name] = absl::StrJoin(parts, ":");
    }
  }
  return out;
}

}  // namespace ens
