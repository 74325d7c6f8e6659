#include "sim/responder.hpp"

#include "core/prompt_pack.hpp"
#include "sim/responder_solving.hpp"

#include <cmath>
#include <set>
#include <toml++/toml.h>

namespace kpsynth::sim {

namespace llm_text = core::llm_text;
using detail::context;
using detail::request_view;

namespace {

uint32_t estimate_tokens(std::string_view s) {
  return std::max<uint32_t>(1, static_cast<uint32_t>((s.size() + 3) / 4));
}

/// The prompt kinds of the math pack that the simulator answers.
const std::vector<std::string>& math_kinds() {
  static const std::vector<std::string> kinds = {
    "kp_extract",     "kp_quality", "kp_synonym",    "kp_representative",
    "generate",       "difficulty", "solve",         "judge_problem",
    "judge_solution", "program",    "program_judge", "same_problem"};
  return kinds;
}

/// The known kind named by a "### Task: <kind>" line, or empty.
std::string task_of(std::string_view message) {
  for (auto line : llm_text::lines_of(message)) {
    auto s = llm_text::trim(line);
    if (s.substr(0, 10) != "### Task: ")
      continue;
    auto kind = std::string{llm_text::trim(s.substr(10))};
    auto& known = math_kinds();
    if (std::find(known.begin(), known.end(), kind) != known.end())
      return kind;
  }
  return {};
}

/// Splits a prompt into its "### <Section>" parts. Only the section names
/// of the prompt pack start a section, so a "###" inside a problem does not.
std::map<std::string, std::string> sections_of(std::string_view message) {
  static const std::set<std::string, std::less<>> names = {
    "problem",           "solution",          "knowledge points",
    "knowledge point a", "knowledge point b", "problem a",
    "problem b",         "program",           "response format"};
  std::map<std::string, std::string> result;
  std::string current = "task";
  std::string body;
  auto flush = [&] {
    result[current] = std::string{llm_text::trim(body)};
    body.clear();
  };
  for (auto line : llm_text::lines_of(message)) {
    auto s = llm_text::trim(line);
    if (s.substr(0, 4) == "### ") {
      auto name = llm_text::lower(llm_text::trim(s.substr(4)));
      bool task = name.rfind("task:", 0) == 0;
      if (task || names.count(name)) {
        flush();
        current = task ? "task" : name;
        continue;
      }
    }
    body += line;
    body += '\n';
  }
  flush();
  return result;
}

std::string generic(const request_view& rv) {
  auto words = llm_text::words_of(rv.body).size();
  return "I have read your message (" + std::to_string(words)
         + " words), but it does not say which task to perform. Please "
           "state the task and the expected output format, and I will "
           "answer accordingly.";
}

using handler = std::string (*)(const context&);

const std::map<std::string, handler, std::less<>>& handlers() {
  static const std::map<std::string, handler, std::less<>> table = {
    {"kp_extract", detail::kp_extract},
    {"kp_quality", detail::kp_quality},
    {"kp_synonym", detail::kp_synonym},
    {"kp_representative", detail::kp_representative},
    {"generate", detail::generate},
    {"difficulty", detail::difficulty},
    {"solve", detail::solve},
    {"judge_problem", detail::judge_problem},
    {"judge_solution", detail::judge_solution},
    {"program", detail::program},
    {"program_judge", detail::program_judge},
    {"same_problem", detail::same_problem},
  };
  return table;
}

/// Runs the kind's handler, then applies stop strings and max_tokens the way
/// a server does.
answer finish(const responder_options& opt, const request_view& rv) {
  answer result;
  result.kind = rv.kind.empty() ? "generic" : rv.kind;
  result.prompt_tokens = rv.prompt_tokens;
  auto h = handlers().find(result.kind);
  result.text = h == handlers().end() ? generic(rv) : h->second({opt, rv});
  for (auto& s : rv.stop) {
    auto at = s.empty() ? std::string::npos : result.text.find(s);
    if (at != std::string::npos)
      result.text.resize(at);
  }
  result.completion_tokens = estimate_tokens(result.text);
  if (rv.max_tokens > 0 && result.completion_tokens > rv.max_tokens) {
    size_t keep = size_t{rv.max_tokens} * 4;
    // Never cut a UTF-8 sequence in half.
    while (keep > 0
           && (static_cast<unsigned char>(result.text[keep]) & 0xC0) == 0x80)
      --keep;
    result.text.resize(keep);
    result.completion_tokens = rv.max_tokens;
    result.finish_reason = "length";
  }
  return result;
}

} // namespace

responder::responder(responder_options options) : options_(std::move(options)) {
  // nop
}

answer responder::respond(const openai::chat_request& req,
                          uint32_t choice_index) const {
  request_view rv;
  rv.model = req.model;
  rv.max_tokens = req.params.max_tokens;
  rv.stop = req.params.stop;
  rv.prompt_tokens = 2;
  const openai::chat_message* last_user = nullptr;
  for (auto& m : req.messages) {
    rv.prompt_tokens += estimate_tokens(m.content) + 4;
    if (m.role == "user")
      last_user = &m;
  }
  if (last_user) {
    rv.body = last_user->content;
    rv.kind = task_of(rv.body);
  } else if (!req.messages.empty()) {
    rv.body = req.messages.back().content;
  }
  for (auto& m : req.messages)
    if (rv.kind.empty() && m.role == "system")
      rv.kind = task_of(m.content);
  if (req.params.temperature > 0)
    rv.variation = detail::hasher{req.params.has_seed ? req.params.seed : 0}
                     .add(uint64_t{choice_index} + 1)
                     .value();
  rv.sections = sections_of(rv.body);
  return finish(options_, rv);
}

answer responder::respond(const openai::completion_request& req,
                          uint32_t choice_index) const {
  openai::chat_request chat;
  chat.model = req.model;
  chat.params = req.params;
  chat.messages.push_back({"user", req.prompt});
  auto result = respond(chat, choice_index);
  result.prompt_tokens = estimate_tokens(req.prompt);
  return result;
}

truth responder::truth_of(std::string_view problem_text) const {
  detail::analysis a;
  if (!detail::analyse(llm_text::squeeze(problem_text), a))
    return {};
  return {true, a.eval.sound, a.eval.sound ? a.eval.answer : std::string{}};
}

std::vector<float> responder::embed(std::string_view s, size_t dims) const {
  std::vector<float> result(dims, 0.0f);
  if (dims == 0)
    return result;
  auto add = [&](std::string_view feature, float weight) {
    auto h = detail::hash_text(feature, 0x6b70656d62ULL);
    result[h % dims] += (h >> 63) ? -weight : weight;
  };
  auto words = detail::content_words(s);
  if (words.empty())
    add("<empty>", 1.0f);
  for (size_t i = 0; i < words.size(); ++i) {
    add(words[i], 1.0f);
    if (i + 1 < words.size())
      add(words[i] + " " + words[i + 1], 0.7f);
  }
  double norm = 0;
  for (auto x : result)
    norm += static_cast<double>(x) * x;
  if (norm == 0) {
    // All features cancelled in a tiny space: fall back to one axis.
    result[detail::hash_text(s) % dims] = 1.0f;
    return result;
  }
  auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (auto& x : result)
    x *= scale;
  return result;
}

// -- options from TOML
// -------------------------------------------------------------

namespace {

std::string where_at(std::string_view where, const toml::node& n) {
  return std::string{where} + ":" + std::to_string(n.source().begin.line);
}

/// Reads a probability-like number in [lo, hi] from `n`.
std::optional<problem> read_number(const toml::node& n, std::string_view where,
                                   std::string_view key, double lo, double hi,
                                   double& out) {
  auto v = n.value<double>();
  if (!v || !(*v >= lo && *v <= hi))
    return make_problem("bad_value",
                        std::string{key} + " must be a number in ["
                          + std::to_string(lo) + ", " + std::to_string(hi)
                          + "]",
                        where_at(where, n));
  out = *v;
  return std::nullopt;
}

std::optional<problem> read_judge(const toml::node& n, std::string_view where,
                                  const std::string& key, judge_profile& out) {
  auto* t = n.as_table();
  if (!t)
    return make_problem("bad_type", key + " must be a table",
                        where_at(where, n));
  for (auto& [k, v] : *t) {
    std::optional<problem> err;
    if (k.str() == "accuracy")
      err = read_number(v, where, key + ".accuracy", 0, 1, out.accuracy);
    else if (k.str() == "bias")
      err = read_number(v, where, key + ".bias", -1, 1, out.bias);
    else
      err = make_problem("unknown_key",
                         "unknown key " + key + "." + std::string{k.str()},
                         where_at(where, v));
    if (err)
      return err;
  }
  return std::nullopt;
}

} // namespace

result<responder_options>
responder_options::from_toml(std::string_view toml_text,
                             std::string_view where) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, where);
  } catch (const toml::parse_error& e) {
    return make_problem("bad_toml", std::string{e.description()},
                        std::string{where} + ":"
                          + std::to_string(e.source().begin.line));
  }
  responder_options result;
  for (auto& [k, v] : doc) {
    auto key = std::string{k.str()};
    std::optional<problem> err;
    if (key == "seed") {
      auto s = v.value<int64_t>();
      if (!s || *s < 0)
        err = make_problem("bad_value", "seed must be a non-negative integer",
                           where_at(where, v));
      else
        result.seed = static_cast<uint64_t>(*s);
    } else if (key == "unsound_rate") {
      err = read_number(v, where, key, 0, 1, result.unsound_rate);
    } else if (key == "default_solver_accuracy") {
      err = read_number(v, where, key, 0, 1, result.default_solver_accuracy);
    } else if (key == "default_judge") {
      err = read_judge(v, where, key, result.default_judge);
    } else if (key == "solver_accuracy" || key == "judges") {
      auto* t = v.as_table();
      if (!t) {
        err = make_problem("bad_type", key + " must be a table",
                           where_at(where, v));
      } else {
        for (auto& [model, x] : *t) {
          auto name = std::string{model.str()};
          if (key == "judges")
            err = read_judge(
              x, where, "judges." + name,
              result.judges.emplace(name, result.default_judge).first->second);
          else
            err = read_number(x, where, "solver_accuracy." + name, 0, 1,
                              result.solver_accuracy[name]);
          if (err)
            break;
        }
      }
    } else {
      err =
        make_problem("unknown_key", "unknown key " + key, where_at(where, v));
    }
    if (err)
      return *err;
  }
  return result;
}

} // namespace kpsynth::sim
