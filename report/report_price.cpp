#include "report/report_price.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace kpsynth::quality {

const token_price* price_table::price_of(const std::string& model) const {
  auto it = tokens.find(model);
  if (it == tokens.end())
    it = tokens.find("*");
  return it == tokens.end() ? nullptr : &it->second;
}

namespace {

std::string where_at(std::string_view where, const toml::node& n) {
  return fmt::format("{}:{}", where, n.source().begin.line);
}

/// A non-negative number (integer or float) at `n`.
std::optional<problem> read_price(const toml::node& n, std::string_view where,
                                  const std::string& key, double& out) {
  auto v = n.value<double>();
  if (!v)
    return make_problem("bad_type", key + " must be a number",
                        where_at(where, n));
  if (*v < 0)
    return make_problem("bad_value", key + " must not be negative",
                        where_at(where, n));
  out = *v;
  return std::nullopt;
}

std::optional<problem> read_gpu(const toml::table& t, std::string_view where,
                                price_table& out) {
  for (auto& [k, v] : t) {
    auto key = std::string{k.str()};
    std::optional<problem> err;
    if (key == "dollars_per_hour")
      err = read_price(v, where, "gpu." + key, out.gpu_dollars_per_hour);
    else if (key == "count")
      err = read_price(v, where, "gpu." + key, out.gpu_count);
    else if (key == "wall_hours")
      err = read_price(v, where, "gpu." + key, out.wall_hours);
    else
      err = make_problem("unknown_key", "unknown key gpu." + key,
                         where_at(where, v));
    if (err)
      return err;
  }
  return std::nullopt;
}

std::optional<problem> read_tokens(const toml::table& t, std::string_view where,
                                   price_table& out) {
  for (auto& [model, node] : t) {
    auto name = std::string{model.str()};
    auto prefix = "tokens." + name;
    auto* m = node.as_table();
    if (!m)
      return make_problem("bad_type", prefix + " must be a table",
                          where_at(where, node));
    token_price price;
    for (auto& [k, v] : *m) {
      auto key = std::string{k.str()};
      std::optional<problem> err;
      if (key == "prompt_per_million")
        err =
          read_price(v, where, prefix + "." + key, price.prompt_per_million);
      else if (key == "completion_per_million")
        err = read_price(v, where, prefix + "." + key,
                         price.completion_per_million);
      else
        err = make_problem("unknown_key", "unknown key " + prefix + "." + key,
                           where_at(where, v));
      if (err)
        return err;
    }
    out.tokens[name] = price;
  }
  return std::nullopt;
}

} // namespace

result<price_table> parse_price_table(std::string_view text,
                                      std::string_view where) {
  toml::table doc;
  try {
    doc = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    return make_problem("bad_toml", std::string{e.description()},
                        fmt::format("{}:{}", where, e.source().begin.line));
  }
  price_table out;
  for (auto& [k, v] : doc) {
    auto key = std::string{k.str()};
    auto* t = v.as_table();
    std::optional<problem> err;
    if ((key == "gpu" || key == "tokens") && !t)
      err =
        make_problem("bad_type", key + " must be a table", where_at(where, v));
    else if (key == "gpu")
      err = read_gpu(*t, where, out);
    else if (key == "tokens")
      err = read_tokens(*t, where, out);
    else
      err = make_problem("unknown_key",
                         "unknown key " + key + " (expected gpu or tokens)",
                         where_at(where, v));
    if (err)
      return *err;
  }
  return validate_prices(std::move(out), where);
}

result<price_table> load_price_table(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot open price table", file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_price_table(buf.str(), file.string());
}

result<std::pair<std::string, token_price>>
parse_token_price_arg(std::string_view arg) {
  auto bad = [&](std::string why) {
    return make_problem("bad_value",
                        fmt::format("token price '{}': {} (expected "
                                    "model=prompt:completion, dollars per "
                                    "million tokens)",
                                    arg, why),
                        "--token-price");
  };
  auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return bad("no model name");
  auto rest = arg.substr(eq + 1);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos)
    return bad("no ':' between the two prices");
  auto number = [](std::string_view s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
  };
  token_price price;
  if (!number(rest.substr(0, colon), price.prompt_per_million))
    return bad("prompt price is not a non-negative number");
  if (!number(rest.substr(colon + 1), price.completion_per_million))
    return bad("completion price is not a non-negative number");
  return std::pair{std::string{arg.substr(0, eq)}, price};
}

result<price_table> validate_prices(price_table t, std::string_view where) {
  if (t.gpu_dollars_per_hour < 0 || t.gpu_count < 0 || t.wall_hours < 0)
    return make_problem("bad_value", "GPU prices must not be negative",
                        std::string{where});
  if (t.gpu_priced() && (t.gpu_count <= 0 || t.wall_hours <= 0))
    return make_problem("incomplete_price",
                        "a GPU-hour price needs the GPU count and the run's "
                        "wall time (gpu.count, gpu.wall_hours): the run "
                        "directory does not record them",
                        std::string{where});
  for (auto& [model, p] : t.tokens)
    if (p.prompt_per_million < 0 || p.completion_per_million < 0)
      return make_problem("bad_value",
                          "token prices of '" + model
                            + "' must not be "
                              "negative",
                          std::string{where});
  return t;
}

} // namespace kpsynth::quality
