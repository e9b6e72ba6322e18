#include "db/gtid.hpp"

#include <algorithm>
#include <charconv>

namespace foobar::db {

namespace {
template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty() || s.size() > 20) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}
}  // namespace

std::string Gtid::str() const {
  return std::to_string(domain) + "-" + std::to_string(server) + "-" + std::to_string(seq);
}

std::optional<Gtid> parse_gtid(std::string_view text) {
  auto a = text.find('-');
  if (a == std::string_view::npos) return std::nullopt;
  auto b = text.find('-', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  Gtid g;
  if (!parse_number(text.substr(0, a), g.domain) || !parse_number(text.substr(a + 1, b - a - 1), g.server) ||
      !parse_number(text.substr(b + 1), g.seq))
    return std::nullopt;
  return g;
}

std::optional<std::vector<Gtid>> parse_gtid_pos(std::string_view text) {
  std::vector<Gtid> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\n')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\n')) item.remove_suffix(1);
    auto g = parse_gtid(item);
    if (!g) return std::nullopt;
    out.push_back(*g);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

bool covers(const std::vector<Gtid>& pos, const Gtid& gtid) noexcept {
  return std::any_of(pos.begin(), pos.end(),
                     [&](const Gtid& g) { return g.domain == gtid.domain && g.seq >= gtid.seq; });
}

bool includes(const std::vector<Gtid>& a, const std::vector<Gtid>& b) noexcept {
  return std::all_of(b.begin(), b.end(), [&](const Gtid& g) { return covers(a, g); });
}

std::vector<Gtid> latest(std::vector<Gtid> a, const std::vector<Gtid>& b) {
  for (const Gtid& g : b) {
    auto it = std::find_if(a.begin(), a.end(), [&](const Gtid& x) { return x.domain == g.domain; });
    if (it == a.end())
      a.push_back(g);
    else if (g.seq > it->seq)
      *it = g;
  }
  return a;
}

bool holds(const std::vector<Gtid>& state, const std::vector<Gtid>& pos) noexcept {
  return std::all_of(pos.begin(), pos.end(), [&](const Gtid& g) {
    return std::any_of(state.begin(), state.end(), [&](const Gtid& s) {
      return s.domain == g.domain && s.server == g.server && s.seq >= g.seq;
    });
  });
}

bool same_pos(const std::vector<Gtid>& a, const std::vector<Gtid>& b) noexcept {
  if (a.size() != b.size()) return false;
  return std::all_of(a.begin(), a.end(), [&](const Gtid& g) {
    return std::find(b.begin(), b.end(), g) != b.end();
  });
}

}  // namespace foobar::db
