#include "core/config.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace foobar::core {

struct ConfigSection::Doc {
  toml::table table;
  std::string filename;
};

namespace {
const toml::table& as_table(const void* t) { return *static_cast<const toml::table*>(t); }
// 5, 0.5 (no trailing zeros), for range messages.
std::string toml_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

std::string ConfigSection::where(std::string_view key) const {
  const toml::node* n = static_cast<const toml::node*>(node(key));
  const auto& src = n ? n->source() : as_table(table_).source();
  std::string full = path_.empty() ? std::string(key) : key.empty() ? path_ : path_ + "." + std::string(key);
  return doc_->filename + ":" + std::to_string(src.begin.line) + ": key '" + full + "'";
}

const void* ConfigSection::node(std::string_view key) const {
  if (key.empty()) return nullptr;
  return as_table(table_).get(key);
}

void ConfigSection::fail(std::string_view key, std::string_view problem) const {
  throw ConfigError(where(key) + ": " + std::string(problem));
}

std::optional<std::string> ConfigSection::string(std::string_view key) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (!n->is_string()) fail(key, "expected a string");
  return std::string(*n->value<std::string_view>());
}

std::optional<std::int64_t> ConfigSection::integer(std::string_view key, std::int64_t min,
                                                   std::int64_t max) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (!n->is_integer()) fail(key, "expected an integer");
  auto v = *n->value<std::int64_t>();
  if (v < min || v > max)
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

std::optional<double> ConfigSection::number(std::string_view key, double min, double max) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (!n->is_number()) fail(key, "expected a number");
  auto v = *n->value<double>();
  if (v < min || v > max) fail(key, "must be between " + toml_number(min) + " and " + toml_number(max));
  return v;
}

std::optional<std::string> ConfigSection::one_of(std::string_view key,
                                                 std::initializer_list<std::string_view> allowed) const {
  auto v = string(key);
  if (!v) return v;
  std::string list;
  for (auto a : allowed) {
    if (*v == a) return v;
    list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  }
  fail(key, "expected one of " + list);
}

std::optional<bool> ConfigSection::boolean(std::string_view key) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (!n->is_boolean()) fail(key, "expected true or false");
  return *n->value<bool>();
}

std::optional<std::vector<std::string>> ConfigSection::strings(std::string_view key) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (auto one = n->value<std::string_view>()) return std::vector<std::string>{std::string(*one)};
  auto arr = n->as_array();
  if (!arr) fail(key, "expected a string or an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *arr) {
    if (!e.is_string()) fail(key, "expected a string or an array of strings");
    out.emplace_back(*e.value<std::string_view>());
  }
  return out;
}

std::optional<ConfigSection> ConfigSection::table(std::string_view key) const {
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return std::nullopt;
  if (!n->is_table()) fail(key, "expected a table");
  return ConfigSection(doc_, n->as_table(), path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

bool ConfigSection::is_array(std::string_view key) const {
  auto n = static_cast<const toml::node*>(node(key));
  return n && n->is_array();
}

std::vector<ConfigSection> ConfigSection::tables(std::string_view key) const {
  std::vector<ConfigSection> out;
  auto n = static_cast<const toml::node*>(node(key));
  if (!n) return out;
  auto arr = n->as_array();
  if (!arr) fail(key, "expected an array of tables ([[" + std::string(key) + "]])");
  std::size_t i = 0;
  for (const auto& e : *arr) {
    if (!e.is_table()) fail(key, "expected an array of tables ([[" + std::string(key) + "]])");
    auto p = (path_.empty() ? std::string(key) : path_ + "." + std::string(key)) + "[" + std::to_string(i++) + "]";
    out.push_back(ConfigSection(doc_, e.as_table(), p));
  }
  return out;
}

void ConfigSection::allow_only(const std::vector<std::string_view>& keys) const {
  for (const auto& [k, v] : as_table(table_)) {
    bool known = false;
    for (auto allowed : keys) known = known || k.str() == allowed;
    if (!known) fail(k.str(), "unknown key");
  }
}

ConfigFile ConfigFile::parse(std::string_view text, const std::string& source_name) {
  ConfigFile f;
  auto doc = std::make_shared<ConfigSection::Doc>();
  doc->filename = source_name;
  try {
    doc->table = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  f.doc_ = std::move(doc);
  f.filename_ = source_name;
  return f;
}

ConfigFile ConfigFile::load(const std::string& filename) {
  std::ifstream in(filename);
  if (!in) throw ConfigError(filename + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), filename);
}

ConfigSection ConfigFile::root() const { return ConfigSection(doc_, &doc_->table, ""); }

}  // namespace foobar::core
