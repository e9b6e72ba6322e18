#include "core/flags.hpp"

namespace foobar::core {

CLI::Option* add_ms_flag(CLI::App& cmd, const std::string& name, std::chrono::milliseconds& out, std::int64_t min_ms,
                         std::int64_t max_ms, const std::string& help) {
  return cmd
      .add_option_function<std::int64_t>(
          name, [&out](std::int64_t v) { out = std::chrono::milliseconds(v); }, help)
      ->check(CLI::Range(min_ms, max_ms))
      ->type_name("MS");
}

}  // namespace foobar::core
