#include "protocols/errors.hpp"

#include <caf/sec.hpp>
#include <caf/to_string.hpp>

namespace kpsynth {

const char* to_string(ec x) {
  switch (x) {
  case ec::none:
    return "none";
  case ec::retryable:
    return "retryable";
  case ec::overloaded:
    return "overloaded";
  case ec::fatal:
    return "fatal";
  case ec::bad_response:
    return "bad_response";
  case ec::deadline:
    return "deadline";
  case ec::unavailable:
    return "unavailable";
  case ec::backlog_full:
    return "backlog_full";
  case ec::bad_output:
    return "bad_output";
  }
  return "unknown";
}

error_info decode_error(const caf::error& err) {
  error_info result;
  if (!err)
    return result;
  if (err.category() == error_category) {
    result.code = static_cast<ec>(err.code());
    auto& ctx = err.context();
    if (ctx.match_elements<std::string, double>()) {
      result.message = ctx.get_as<std::string>(0);
      result.retry_after_s = ctx.get_as<double>(1);
    }
    return result;
  }
  if (err == caf::sec::request_timeout)
    result.code = ec::deadline;
  else
    result.code = ec::retryable;
  result.message = caf::to_string(err);
  return result;
}

} // namespace kpsynth
