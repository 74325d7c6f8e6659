#pragma once

// The TOML reader behind config::parse: walks one table, converts values into
// plain struct fields and keeps the first error with its file:line. Internal
// to core/config*.cpp; nothing outside the config loader sees TOML.

#include "core/config.hpp"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>

namespace kpsynth::config::detail {

/// Walks one TOML table, converting values and collecting the first error.
/// Unknown keys are errors too: a typo must not silently fall back to a
/// default in a job that runs for weeks.
class table_reader {
 public:
  table_reader(const toml::table& tbl, std::string path, std::string_view file,
               std::optional<problem>& err)
    : tbl_(tbl), path_(std::move(path)), file_(file), err_(err) {}

  ~table_reader() {
    if (err_)
      return;
    for (auto& [key, node] : tbl_) {
      if (!known_.count(std::string{key.str()})) {
        fail(node, fmt::format("unknown key '{}'", qualified(key.str())),
             "unknown_key");
        return;
      }
    }
  }

  /// "file:line" of this table, for errors found after reading.
  std::string where() const {
    return fmt::format("{}:{}", file_, tbl_.source().begin.line);
  }

  std::string qualified(std::string_view key) const {
    return path_.empty() ? std::string{key} : path_ + "." + std::string{key};
  }

  void fail(const toml::node& node, std::string msg, std::string code) {
    if (err_)
      return;
    err_ = problem{std::move(code), std::move(msg),
                   fmt::format("{}:{}", file_, node.source().begin.line)};
  }

  template<class T>
  void read(std::string_view key, T& out) {
    known_.insert(std::string{key});
    auto* node = tbl_.get(key);
    if (node == nullptr || err_)
      return;
    convert(*node, key, out);
  }

  /// Calls `fn(reader)` for a sub-table, if present.
  template<class F>
  void table(std::string_view key, F fn) {
    known_.insert(std::string{key});
    auto* node = tbl_.get(key);
    if (node == nullptr || err_)
      return;
    if (auto* sub = node->as_table()) {
      table_reader r{*sub, qualified(key), file_, err_};
      fn(r);
    } else {
      fail(*node, fmt::format("'{}' must be a table", qualified(key)),
           "bad_type");
    }
  }

  /// Iterates the entries of a sub-table of tables ([models.X]).
  template<class F>
  void each_table(std::string_view key, F fn) {
    table(key, [&](table_reader& r) {
      for (auto& [name, node] : r.tbl_) {
        r.known_.insert(std::string{name.str()});
        if (auto* sub = node.as_table()) {
          table_reader inner{*sub, r.qualified(name.str()), file_, err_};
          fn(std::string{name.str()}, inner);
        } else {
          r.fail(node,
                 fmt::format("'{}' must be a table", r.qualified(name.str())),
                 "bad_type");
        }
      }
    });
  }

  /// Iterates an array of tables ([[panel]]).
  template<class F>
  void each_array_table(std::string_view key, F fn) {
    known_.insert(std::string{key});
    auto* node = tbl_.get(key);
    if (node == nullptr || err_)
      return;
    auto* arr = node->as_array();
    if (arr == nullptr) {
      fail(*node,
           fmt::format("'{}' must be an array of tables", qualified(key)),
           "bad_type");
      return;
    }
    size_t i = 0;
    for (auto& elem : *arr) {
      if (auto* sub = elem.as_table()) {
        table_reader inner{*sub, fmt::format("{}[{}]", qualified(key), i),
                           file_, err_};
        fn(inner);
      } else {
        fail(elem, fmt::format("'{}[{}]' must be a table", qualified(key), i),
             "bad_type");
      }
      ++i;
    }
  }

  /// Reads every key of a sub-table as a number ({name = 0.5, ...}).
  void number_map(std::string_view key, std::map<std::string, double>& out) {
    table(key, [&](table_reader& r) {
      for (auto& [name, node] : r.tbl_) {
        r.known_.insert(std::string{name.str()});
        double v = 0;
        r.convert(node, name.str(), v);
        out[std::string{name.str()}] = v;
      }
    });
  }

  const toml::table& raw() const { return tbl_; }
  void mark_known(std::string_view key) { known_.insert(std::string{key}); }

 private:
  void convert(const toml::node& node, std::string_view key, std::string& out) {
    if (auto v = node.value<std::string>())
      out = *v;
    else
      fail(node, fmt::format("'{}' must be a string", qualified(key)),
           "bad_type");
  }

  void convert(const toml::node& node, std::string_view key,
               std::filesystem::path& out) {
    std::string s;
    convert(node, key, s);
    out = s;
  }

  void convert(const toml::node& node, std::string_view key, bool& out) {
    if (auto v = node.value<bool>())
      out = *v;
    else
      fail(node, fmt::format("'{}' must be true or false", qualified(key)),
           "bad_type");
  }

  void convert(const toml::node& node, std::string_view key, double& out) {
    if (node.is_number())
      out = *node.value<double>();
    else
      fail(node, fmt::format("'{}' must be a number", qualified(key)),
           "bad_type");
  }

  template<class T>
  requires std::is_integral_v<T>
  void convert(const toml::node& node, std::string_view key, T& out) {
    auto v = node.value<int64_t>();
    if (!node.is_integer() || !v) {
      fail(node, fmt::format("'{}' must be an integer", qualified(key)),
           "bad_type");
      return;
    }
    if (*v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max()) {
      fail(node, fmt::format("'{}' = {} is out of range", qualified(key), *v),
           "out_of_range");
      return;
    }
    out = static_cast<T>(*v);
  }

  void convert(const toml::node& node, std::string_view key,
               std::vector<endpoint_config>& out) {
    auto* arr = node.as_array();
    if (arr == nullptr) {
      fail(node, fmt::format("'{}' must be an array", qualified(key)),
           "bad_type");
      return;
    }
    size_t i = 0;
    for (auto& elem : *arr) {
      endpoint_config ep;
      if (auto s = elem.value<std::string>()) {
        ep.url = *s;
      } else if (auto* t = elem.as_table()) {
        table_reader r{*t, fmt::format("{}[{}]", qualified(key), i), file_,
                       err_};
        r.read("url", ep.url);
        r.read("api_key_env", ep.api_key_env);
        r.read("scrape_metrics", ep.scrape_metrics);
      } else {
        fail(elem,
             fmt::format("'{}[{}]' must be a URL string or a table",
                         qualified(key), i),
             "bad_type");
      }
      if (!err_ && ep.url.empty())
        fail(elem, fmt::format("'{}[{}]' has no url", qualified(key), i),
             "missing_key");
      ep.origin = fmt::format("{}:{}", file_, elem.source().begin.line);
      out.push_back(std::move(ep));
      ++i;
    }
  }

  const toml::table& tbl_;
  std::string path_;
  std::string_view file_;
  std::optional<problem>& err_;
  std::set<std::string> known_;
};

} // namespace kpsynth::config::detail
