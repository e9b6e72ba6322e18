#pragma once
// TOML configuration files, parsed once at start-up into plain structs.
// Every error names the file, the line and the key (DESIGN.md: config apart
// from runtime; errors users can act on). toml++ stays out of this header.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace foobar::core {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigSection {
 public:
  // Typed getters: nullopt when the key is absent; ConfigError when present
  // with the wrong type or out of range ("file:line: key 'web.threads': ...").
  std::optional<std::string> string(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::optional<double> number(std::string_view key, double min, double max) const;  // integers too
  std::optional<bool> boolean(std::string_view key) const;
  // A string that must be one of allowed.
  std::optional<std::string> one_of(std::string_view key, std::initializer_list<std::string_view> allowed) const;
  // An array of strings; a single string is a list of one.
  std::optional<std::vector<std::string>> strings(std::string_view key) const;
  std::optional<ConfigSection> table(std::string_view key) const;
  std::vector<ConfigSection> tables(std::string_view key) const;  // array of tables; empty if absent
  bool is_array(std::string_view key) const;  // for a key that may be a value or [[key]] tables

  // Rejects keys not listed: a typo must not be silently ignored.
  void allow_only(std::initializer_list<std::string_view> keys) const {
    allow_only(std::vector<std::string_view>(keys));
  }
  void allow_only(const std::vector<std::string_view>& keys) const;
  // Throws ConfigError pointing at key (or at this section if key is empty).
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;
  const std::string& path() const noexcept { return path_; }

 private:
  friend class ConfigFile;
  struct Doc;
  ConfigSection(std::shared_ptr<const Doc> doc, const void* table, std::string path)
      : doc_(std::move(doc)), table_(table), path_(std::move(path)) {}
  std::string where(std::string_view key) const;
  const void* node(std::string_view key) const;
  std::shared_ptr<const Doc> doc_;
  const void* table_;  // a toml::table
  std::string path_;   // dotted path of this section, e.g. "web.limits"
};

class ConfigFile {
 public:
  // Throws ConfigError "file:line:column: message" on unreadable or invalid TOML.
  static ConfigFile load(const std::string& filename);
  static ConfigFile parse(std::string_view text, const std::string& source_name);
  ConfigSection root() const;
  const std::string& filename() const noexcept { return filename_; }

 private:
  std::shared_ptr<const ConfigSection::Doc> doc_;
  std::string filename_;
};

}  // namespace foobar::core
