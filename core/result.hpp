#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kpsynth {

/// What went wrong and where. `where` names the place a person must look at:
/// `seeds.jsonl:17`, `config.toml: models.solver.endpoints[0].url`, or
/// `POST http://127.0.0.1:8000/v1/chat/completions`.
struct problem {
  std::string code;    ///< Short machine-readable kind, e.g. "bad_json".
  std::string message; ///< Human-readable explanation.
  std::string where;   ///< Location of the bad input, if any.

  /// Renders "where: message [code]" for logs and error output.
  std::string to_string() const {
    std::string result;
    if (!where.empty()) {
      result += where;
      result += ": ";
    }
    result += message;
    if (!code.empty()) {
      result += " [";
      result += code;
      result += "]";
    }
    return result;
  }
};

/// A value or the problem that prevented it. C++20 has no std::expected, and
/// CAF-free code must not use caf::expected, so this is the one result type
/// of the CAF-free libraries.
template<class T>
class result {
 public:
  result(T value) : state_(std::move(value)) {}
  result(problem p) : state_(std::move(p)) {}

  explicit operator bool() const { return state_.index() == 0; }
  bool has_value() const { return state_.index() == 0; }

  T& operator*() & { return std::get<0>(state_); }
  const T& operator*() const& { return std::get<0>(state_); }
  T&& operator*() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &std::get<0>(state_); }
  const T* operator->() const { return &std::get<0>(state_); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }

  const problem& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, problem> state_;
};

/// Shorthand for building a problem in a return statement.
inline problem make_problem(std::string code, std::string message,
                            std::string where = {}) {
  return problem{std::move(code), std::move(message), std::move(where)};
}

} // namespace kpsynth
