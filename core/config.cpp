#include "core/config.hpp"

#include "core/config_internal.hpp"
#include "core/config_pipeline.hpp"
#include "core/config_reader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace kpsynth::config {

namespace {

using detail::table_reader;

void read_model(table_reader& r, model_config& m) {
  r.read("served_as", m.served_as);
  r.read("endpoints", m.endpoints);
  r.read("stream", m.stream);
  r.read("supports_n", m.supports_n);
  r.read("request_timeout_ms", m.request_timeout_ms);
  r.read("idle_timeout_ms", m.idle_timeout_ms);
  r.read("connect_timeout_ms", m.connect_timeout_ms);
  r.read("max_attempts", m.max_attempts);
  r.read("max_500_attempts", m.max_500_attempts);
  r.read("backoff_base_ms", m.backoff_base_ms);
  r.read("backoff_cap_ms", m.backoff_cap_ms);
  r.read("initial_limit", m.initial_limit);
  r.read("min_limit", m.min_limit);
  r.read("max_limit", m.max_limit);
  r.read("fixed_limit", m.fixed_limit);
  r.read("metrics_interval_ms", m.metrics_interval_ms);
  r.read("backlog", m.backlog);
}

void read_simulator(table_reader& r, simulator_config& s) {
  r.read("enabled", s.enabled);
  r.read("address", s.address);
  r.read("port", s.port);
  r.read("profile", s.profile);
  r.number_map("overrides", s.overrides);
  r.read("seed", s.seed);
  r.read("unsound_rate", s.unsound_rate);
  r.read("default_solver_accuracy", s.default_solver_accuracy);
  r.number_map("solver_accuracy", s.solver_accuracy);
  r.number_map("faults", s.faults);
  r.read("loading_seconds", s.loading_seconds);
  r.read("refuse_n", s.refuse_n);
  r.read("metrics", s.metrics);
  r.each_table("judges", [&](std::string name, table_reader& j) {
    double accuracy = 0.9;
    double bias = 0;
    j.read("accuracy", accuracy);
    j.read("bias", bias);
    s.judges[name] = {accuracy, bias};
  });
}

} // namespace

result<kpsynth_config> parse(std::string_view text, std::string_view name,
                             const std::filesystem::path& base) {
  // Debian builds toml++ with exceptions: a syntax error throws.
  toml::table parsed;
  try {
    parsed = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return make_problem("bad_toml", std::string{e.description()},
                        fmt::format("{}:{}", name, e.source().begin.line));
  }
  kpsynth_config c;
  std::optional<problem> err;
  {
    table_reader root{parsed, "", name, err};
    root.table("run", [&](table_reader& r) {
      r.read("seeds", c.run.seeds);
      r.read("output_dir", c.run.output_dir);
      r.read("prompts", c.run.prompts);
      r.read("max_items", c.run.max_items);
      r.read("max_points", c.run.max_points);
      r.read("seed", c.run.seed);
      r.read("progress_interval_s", c.run.progress_interval_s);
      r.read("accept_threshold", c.run.accept_threshold);
      r.read("sync_every", c.run.sync_every);
      r.read("max_seed_line_bytes", c.run.max_seed_line_bytes);
      r.read("model_down_timeout_s", c.run.model_down_timeout_s);
    });
    root.table("simulator",
               [&](table_reader& r) { read_simulator(r, c.simulator); });
    root.each_table("models", [&](std::string n, table_reader& r) {
      model_config m;
      m.name = n;
      m.served_as = n;
      read_model(r, m);
      c.models[n] = std::move(m);
    });
    root.each_table("stages", [&](std::string n, table_reader& r) {
      stage_config s;
      r.read("model", s.model);
      r.read("queue", s.queue);
      r.read("temperature", s.temperature);
      r.read("max_tokens", s.max_tokens);
      r.read("samples", s.samples);
      c.stages[n] = std::move(s);
    });
    detail::read_pipeline(root, c);
    root.each_array_table("panel", [&](table_reader& r) {
      judge_config j;
      r.read("name", j.name);
      r.read("model", j.model);
      r.read("weight", j.weight);
      if (j.name.empty())
        j.name = j.model;
      c.panel.push_back(std::move(j));
    });
    root.table("planner", [&](table_reader& r) {
      auto& x = c.planner;
      r.read("one_hop", x.one_hop);
      r.read("two_hop", x.two_hop);
      r.read("three_hop", x.three_hop);
      r.read("community", x.community);
      r.read("core_fraction", x.core_fraction);
      r.read("three_hop_per_core", x.three_hop_per_core);
    });
    root.table("decontam", [&](table_reader& r) {
      auto& d = c.decontam;
      r.read("enabled", d.enabled);
      r.read("benchmarks", d.benchmarks);
      r.read("dedup", d.dedup);
      r.read("ngram_n", d.ngram_n);
      r.read("ngram_overlap", d.ngram_overlap);
      r.read("minhash_threshold", d.minhash_threshold);
      r.read("embedding_model", d.embedding_model);
      r.read("embedding_threshold", d.embedding_threshold);
      r.read("llm_check_model", d.llm_check_model);
      r.read("llm_band", d.llm_band);
    });
    root.table("verify", [&](table_reader& r) {
      auto& v = c.verify;
      r.read("python", v.python);
      r.read("cpu_seconds", v.cpu_seconds);
      r.read("wall_seconds", v.wall_seconds);
      r.read("memory_mb", v.memory_mb);
      r.read("workers", v.workers);
    });
    root.table("consensus", [&](table_reader& r) {
      r.read("min_share", c.consensus.min_share);
      r.read("budget_ms", c.consensus.budget_ms);
    });
    root.table("control", [&](table_reader& r) {
      auto& x = c.control;
      r.read("enabled", x.enabled);
      r.read("address", x.address);
      r.read("port", x.port);
      r.read("allow_remote", x.allow_remote);
      r.read("token_env", x.token_env);
      r.read("max_connections", x.max_connections);
      r.read("read_timeout_ms", x.read_timeout_ms);
    });
    root.table("caf", [&](table_reader& r) {
      for (auto& [key, node] : r.raw()) {
        r.mark_known(key.str());
        if (auto v = node.value<int64_t>(); v && node.is_integer())
          c.caf_int[std::string{key.str()}] = *v;
        else if (auto s = node.value<std::string>())
          c.caf_string[std::string{key.str()}] = *s;
        else
          r.fail(
            node,
            fmt::format("'caf.{}' must be an integer or string", key.str()),
            "bad_type");
      }
    });
  }
  if (err)
    return *err;
  for (auto* p : {&c.run.seeds, &c.run.output_dir, &c.run.prompts,
                  &c.decontam.benchmarks})
    if (!p->empty() && p->is_relative())
      *p = (base / *p).lexically_normal();
  if (auto p = detail::validate(c, parsed, name))
    return *p;
  return c;
}

result<kpsynth_config> load(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot open configuration file",
                        file.string());
  std::stringstream buf;
  buf << in.rdbuf();
  auto result = parse(buf.str(), file.string(), file.parent_path());
  if (result)
    result->file = file;
  return result;
}

} // namespace kpsynth::config
