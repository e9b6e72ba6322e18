#include "db/router.hpp"

#include <cctype>
#include <string>

namespace foobar::db {

namespace {
bool istarts(std::string_view s, std::string_view word) {
  if (s.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != word[i]) return false;
  return s.size() == word.size() || !std::isalnum(static_cast<unsigned char>(s[word.size()]));
}

bool icontains(std::string_view s, std::string_view word) {
  std::string lower(s);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(word) != std::string::npos;
}

std::string_view skip_space_and_comments(std::string_view s) {
  for (;;) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == '(')) s.remove_prefix(1);
    if (s.starts_with("/*")) {
      auto end = s.find("*/");
      if (end == std::string_view::npos) return {};
      s.remove_prefix(end + 2);
    } else if (s.starts_with("-- ") || s.starts_with("#")) {
      auto end = s.find('\n');
      if (end == std::string_view::npos) return {};
      s.remove_prefix(end + 1);
    } else {
      return s;
    }
  }
}
}  // namespace

StatementKind classify(std::string_view sql) noexcept {
  auto s = skip_space_and_comments(sql);
  if (istarts(s, "select") || istarts(s, "with")) {
    // Locking reads and SELECT ... INTO take the primary's locks / write files.
    if (icontains(s, "for update") || icontains(s, "lock in share mode") || icontains(s, " into "))
      return StatementKind::Write;
    if (istarts(s, "with") && !icontains(s, "select")) return StatementKind::Write;
    return StatementKind::Read;
  }
  if (istarts(s, "show") || istarts(s, "describe") || istarts(s, "desc") || istarts(s, "explain"))
    return StatementKind::Read;
  return StatementKind::Write;
}

std::optional<std::size_t> route(StatementKind kind, bool in_transaction, std::span<const ReplicaLoad> replicas,
                                 std::size_t start) noexcept {
  if (kind == StatementKind::Write || in_transaction || replicas.empty()) return std::nullopt;
  std::optional<std::size_t> best;
  for (std::size_t k = 0; k < replicas.size(); ++k) {
    std::size_t i = (start + k) % replicas.size();
    const auto& r = replicas[i];
    if (!r.healthy || !r.available) continue;
    if (!best || r.outstanding < replicas[*best].outstanding) best = i;
  }
  return best;
}

}  // namespace foobar::db
