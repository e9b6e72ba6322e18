#include "http/request_ids.hpp"

#include <array>
#include <cstring>
#include <random>

#include "http/message.hpp"

namespace foobar::http {

namespace {

// A per-thread generator: ids need to be unique, not secret.
std::uint64_t next_random() noexcept {
  thread_local std::uint64_t state = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ reinterpret_cast<std::uintptr_t>(&state);
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// digits (a multiple of 16) random lower-case hex digits: two per table lookup.
void hex(char* out, std::size_t digits) noexcept {
  static constexpr auto kPairs = [] {
    constexpr char kHex[] = "0123456789abcdef";
    std::array<char, 512> t{};
    for (std::size_t i = 0; i < 256; ++i) t[2 * i] = kHex[i >> 4], t[2 * i + 1] = kHex[i & 15];
    return t;
  }();
  for (std::size_t i = 0; i < digits; i += 16) {
    std::uint64_t r = next_random();
    for (std::size_t j = 0; j < 16; j += 2, r >>= 8) std::memcpy(out + i + j, &kPairs[2 * (r & 255)], 2);
  }
}

bool lower_hex(std::string_view s) noexcept {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

bool RequestIds::valid_request_id(std::string_view v) noexcept {
  if (v.empty() || v.size() > 128) return false;
  for (char c : v)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == ':'))
      return false;
  return true;
}

// W3C Trace Context: version 00, a non-zero trace id and parent id, flags.
bool RequestIds::valid_traceparent(std::string_view v) noexcept {
  if (v.size() != 55 || v.substr(0, 3) != "00-" || v[35] != '-' || v[52] != '-') return false;
  const auto trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  return lower_hex(trace) && lower_hex(parent) && lower_hex(flags) &&
         trace.find_first_not_of('0') != std::string_view::npos && parent.find_first_not_of('0') != std::string_view::npos;
}

void RequestIds::assign(const Headers& headers) noexcept {
  client_id_ = headers.get("x-request-id");
  from_client_id_ = valid_request_id(client_id_);
  if (!from_client_id_) hex(own_id_.data(), own_id_.size());
  client_trace_ = headers.get("traceparent");
  from_client_trace_ = valid_traceparent(client_trace_);
  if (!from_client_trace_) {
    auto* t = own_trace_.data();
    t[0] = '0', t[1] = '0', t[2] = '-';
    hex(t + 3, 32);
    t[35] = '-';
    hex(t + 36, 16);
    t[52] = '-', t[53] = '0', t[54] = '1';
  }
}

}  // namespace foobar::http
