#include "app/site/post.hpp"

#include <charconv>
#include <chrono>
#include <ctime>

#include "core/json_text.hpp"

namespace foobar::app::site {

using core::append_json_string;

namespace {
void append_post(std::string& out, const Post& p) {
  char id[24];
  auto [end, ec] = std::to_chars(id, id + sizeof id, p.id);
  out += "{\"id\":";
  out.append(id, end);
  out += ",\"author\":";
  append_json_string(out, p.author);
  out += ",\"body\":";
  append_json_string(out, p.body);
  out += ",\"created_at\":";
  append_json_string(out, p.created_at);
  out += '}';
}
}  // namespace

bool post_from_row(db::Row&& row, Post& out) {
  if (row.size() < 4 || !row[0] || !row[1] || !row[2] || !row[3]) return false;
  const auto& id = *row[0];
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.id);
  if (ec != std::errc{} || end != id.data() + id.size()) return false;
  out.author = std::move(*row[1]);
  out.body = std::move(*row[2]);
  out.created_at = iso_utc(std::move(*row[3]));
  return true;
}

std::string iso_utc(std::string dt) {
  if (dt.size() < 19 || dt[10] != ' ') return dt;
  dt[10] = 'T';
  dt += 'Z';
  return dt;
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

std::string post_json(const Post& p) {
  std::string out;
  append_post(out, p);
  return out;
}

std::string posts_json(const std::vector<Post>& posts) {
  std::string out = "{\"posts\":[";
  for (const auto& p : posts) {
    if (&p != posts.data()) out += ',';
    append_post(out, p);
  }
  out += "]}";
  return out;
}

}  // namespace foobar::app::site
