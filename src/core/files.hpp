#pragma once
// Whole files: written atomically, read at once.
#include <filesystem>
#include <string>

namespace foobar::core {

// Writes text to path atomically (temp file + rename), with the given mode.
// Throws std::runtime_error naming the file and the reason.
void write_file_atomic(const std::filesystem::path& path, const std::string& text, unsigned mode = 0644);
// The whole file, or "" if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace foobar::core
