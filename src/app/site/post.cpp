#include "app/site/post.hpp"

#include <charconv>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace foobar::app::site {

namespace {
nlohmann::json to_json(const Post& p) {
  return {{"id", p.id}, {"author", p.author}, {"body", p.body}, {"created_at", p.created_at}};
}
std::string dump(const nlohmann::json& j) {
  // Strings were validated as UTF-8 on the way in; replace defensively rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

bool post_from_row(const db::Row& row, Post& out) {
  if (row.size() < 4 || !row[0] || !row[1] || !row[2] || !row[3]) return false;
  const auto& id = *row[0];
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.id);
  if (ec != std::errc{} || end != id.data() + id.size()) return false;
  out.author = *row[1];
  out.body = *row[2];
  out.created_at = iso_utc(*row[3]);
  return true;
}

std::string iso_utc(std::string_view dt) {
  if (dt.size() < 19 || dt[10] != ' ') return std::string(dt);
  std::string s(dt);
  s[10] = 'T';
  return s + "Z";
}

std::string now_datetime() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(ms));
  return buf;
}

std::string post_json(const Post& p) { return dump(to_json(p)); }

std::string posts_json(const std::vector<Post>& posts) {
  auto arr = nlohmann::json::array();
  for (const auto& p : posts) arr.push_back(to_json(p));
  return dump({{"posts", std::move(arr)}});
}

std::string error_json(std::string_view message) { return dump({{"error", message}}); }

}  // namespace foobar::app::site
