#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace kpsynth::net {

/// A parsed base URL such as `https://gpu7:8000/v1` or `http://127.0.0.1:8000`.
struct url {
  std::string scheme; ///< "http" or "https".
  std::string host;
  uint16_t port = 0;
  /// Path prefix without a trailing slash ("" or "/v1"); request targets are
  /// appended to it.
  std::string base_path;

  /// Parses `text`; `where` names the config field in errors.
  static result<url> parse(std::string_view text, std::string_view where = {});

  /// Renders scheme://host:port/base_path.
  std::string to_string() const;
};

} // namespace kpsynth::net
