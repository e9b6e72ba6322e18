#pragma once
// Command-line flags, parsed one way in every role: numbers and durations are
// range-checked, and a bad value is a usage error that names the flag
// ("foobar: --listen: invalid address 'x': ...", exit 2), never a silent clamp.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace foobar::core {

// A number flag (integer or floating point) accepted from min to max.
template <class T>
CLI::Option* add_number_flag(CLI::App& cmd, const std::string& name, T& out, T min, T max, const std::string& help) {
  return cmd.add_option(name, out, help)->check(CLI::Range(min, max));
}

// A duration flag in whole milliseconds ("--x-ms"), from min_ms to max_ms.
CLI::Option* add_ms_flag(CLI::App& cmd, const std::string& name, std::chrono::milliseconds& out, std::int64_t min_ms,
                         std::int64_t max_ms, const std::string& help);

// parse() for flag's value; its std::invalid_argument becomes a usage error naming the flag.
template <class Parse>
auto flag_value(const std::string& flag, Parse&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError(flag, e.what());
  }
}

}  // namespace foobar::core
