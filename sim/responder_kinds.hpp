#pragma once

// Internal to sim/responder.cpp: one answer function per prompt kind. Each
// reads its inputs from the prompt's sections, decides from stable hashes of
// (options seed, kind, model, inputs[, sampling variation]) and writes text
// in the format the prompt asks for, so core/llm_output.hpp can parse it.

#include "core/llm_output.hpp"
#include "core/llm_text.hpp"
#include "sim/responder.hpp"
#include "sim/responder_bank.hpp"
#include "sim/responder_concepts.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace kpsynth::sim::detail {

/// What the answer functions need from a request.
struct request_view {
  std::string model;
  std::string kind;
  std::string body; ///< The message that holds the inputs.
  std::map<std::string, std::string> sections;
  /// 0 for greedy decoding; otherwise derived from the request seed and the
  /// choice index, so that n > 1 choices differ reproducibly.
  uint64_t variation = 0;
  uint32_t max_tokens = 0;
  std::vector<std::string> stop;
  uint32_t prompt_tokens = 0;

  /// A section's text, or the whole body when the prompt has no such
  /// section (a foreign prompt pack).
  std::string input(const std::string& name) const {
    auto i = sections.find(name);
    return i == sections.end() || i->second.empty() ? body : i->second;
  }
};

/// The options and the request, with the lookups every kind needs.
struct context {
  const responder_options& opt;
  const request_view& rv;

  double solver_accuracy() const {
    auto i = opt.solver_accuracy.find(rv.model);
    return i == opt.solver_accuracy.end() ? opt.default_solver_accuracy
                                          : i->second;
  }
  const judge_profile& judge() const {
    auto i = opt.judges.find(rv.model);
    return i == opt.judges.end() ? opt.default_judge : i->second;
  }
  /// A hash keyed by seed, kind and model; callers add their inputs.
  hasher key() const { return hasher{opt.seed}.add(rv.kind).add(rv.model); }
};

// -- helpers
// -----------------------------------------------------------------------

/// Numbered items of a list section ("1. x"); plain lines if none numbered.
inline std::vector<std::string> items_of(std::string_view list) {
  std::vector<std::string> numbered;
  std::vector<std::string> plain;
  for (auto line : core::llm_text::lines_of(list)) {
    if (auto n = core::llm_text::numbered(line))
      numbered.emplace_back(n->second);
    else if (!core::llm_text::trim(line).empty())
      plain.emplace_back(core::llm_text::trim(line));
  }
  return numbered.empty() ? plain : numbered;
}

inline std::string strip_fences(std::string_view code) {
  std::string result;
  for (auto line : core::llm_text::lines_of(code)) {
    if (core::llm_text::trim(line).substr(0, 3) == "```")
      continue;
    result += line;
    result += '\n';
  }
  return result;
}

inline std::string two_decimals(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  return buf;
}

/// Whether a judge accepts an item whose ground truth is `good`, given a
/// uniform draw `u`: right with probability `accuracy`, shifted by `bias`.
inline bool judge_accepts(const judge_profile& j, bool good, double u) {
  auto p = (good ? j.accuracy : 1.0 - j.accuracy) + j.bias;
  return u < std::clamp(p, 0.0, 1.0);
}

/// A plausible wrong final answer: off by one, doubled, halved or negated.
inline std::string wrong_answer(const std::string& right, uint64_t h) {
  auto r = parse_rational(right);
  if (!r)
    return "\\frac{" + right + "}{2}";
  rational w = *r;
  switch (h % 5) {
  case 0:
    w = make_rational(r->num + r->den, r->den);
    break;
  case 1:
    w = make_rational(r->num - r->den, r->den);
    break;
  case 2:
    w = make_rational(r->num * 2, r->den);
    break;
  case 3:
    w = make_rational(r->num, r->den * 2);
    break;
  default:
    w = make_rational(-r->num, r->den);
    break;
  }
  if (w == *r)
    w = make_rational(r->num + 2 * r->den, r->den);
  return right.find('.') != std::string::npos ? decimal(w) : format(w);
}

/// The first sentence of a problem, for restating it.
inline std::string first_sentence(std::string_view problem) {
  auto s = core::llm_text::squeeze(problem);
  auto dot = s.find(". ");
  auto q = s.find('?');
  auto end = std::min(dot == std::string::npos ? s.size() : dot + 1,
                      q == std::string::npos ? s.size() : q + 1);
  return s.substr(0, std::min<size_t>(end, 240));
}

inline bool read_problem(std::string_view problem, analysis& a) {
  return analyse(core::llm_text::squeeze(problem), a);
}

// -- knowledge points
// ----------------------------------------------------------------

inline std::string kp_extract(const context& c) {
  size_t max_points = 10;
  auto task = c.rv.input("task");
  if (auto at = task.find("at most "); at != std::string::npos) {
    size_t used = 0;
    if (auto n = core::llm_text::leading_number(task.substr(at + 8), used))
      max_points = static_cast<size_t>(std::clamp(*n, 1.0, 20.0));
  }
  auto problem = c.rv.input("problem");
  auto points = extract_concepts(problem,
                                 c.rv.sections.count("solution")
                                   ? c.rv.sections.at("solution")
                                   : std::string{},
                                 max_points, c.opt.seed);
  auto h = c.key().add(problem).add(c.rv.variation);
  std::string result;
  if (h.unit() < 0.15)
    result = "Here are the knowledge points required by this problem:\n\n";
  for (size_t i = 0; i < points.size(); ++i)
    result += std::to_string(i + 1) + ". " + points[i] + "\n";
  return result;
}

inline std::string kp_quality(const context& c) {
  static const char* reasons[] = {"too vague to guide a student",
                                  "too specific to one problem",
                                  "describes a computation step, not a concept",
                                  "not a mathematical concept"};
  auto points = items_of(c.rv.input("knowledge points"));
  std::string result;
  for (size_t i = 0; i < points.size(); ++i) {
    auto words = content_words(points[i]).size();
    auto h = c.key().add(core::llm_text::lower(points[i]));
    std::string line = std::to_string(i + 1) + ": ";
    if (words <= 1)
      line += "DROP - too vague to guide a student";
    else if (h.unit() < 0.1)
      line += std::string{"DROP - "} + reasons[h.value() % 4];
    else
      line += "KEEP";
    result += line + "\n";
  }
  return result;
}

inline std::string kp_synonym(const context& c) {
  auto a = c.rv.input("knowledge point a");
  auto b = c.rv.input("knowledge point b");
  auto ca = concept_of(core::llm_text::trim(a));
  auto cb = concept_of(core::llm_text::trim(b));
  bool same = (ca >= 0 && cb >= 0) ? ca == cb : word_overlap(a, b) >= 0.5;
  return same ? "SAME" : "DIFFERENT";
}

inline std::string kp_representative(const context& c) {
  auto points = items_of(c.rv.input("knowledge points"));
  if (points.empty())
    return "There are no knowledge points to choose from.";
  size_t best = 0;
  auto cost = [&](size_t i) {
    return std::make_pair(content_words(points[i]).size(), points[i].size());
  };
  for (size_t i = 1; i < points.size(); ++i)
    if (cost(i) < cost(best))
      best = i;
  return "Knowledge point " + std::to_string(best + 1)
         + " is the most general and concise wording of the group.\n"
           "Representative: "
         + std::to_string(best + 1) + "\n";
}

// -- problems
// ------------------------------------------------------------------------

inline std::string generate(const context& c) {
  auto points = items_of(c.rv.input("knowledge points"));
  std::string joined;
  for (auto& p : points)
    joined += core::llm_text::lower(p) + "\n";
  auto h = c.key().add(joined).add(c.rv.variation);
  // Prefer the families that the most knowledge points point to.
  auto& fams = families();
  std::vector<size_t> best;
  size_t best_score = 0;
  for (size_t i = 0; i < fams.size(); ++i) {
    size_t score = 0;
    for (auto& point : points) {
      auto low = core::llm_text::lower(point);
      std::string_view kws = fams[i].keywords;
      bool hit = false;
      while (!kws.empty() && !hit) {
        auto sp = kws.find(' ');
        hit = low.find(kws.substr(0, sp)) != std::string::npos;
        kws = sp == std::string_view::npos ? "" : kws.substr(sp + 1);
      }
      score += hit ? 1 : 0;
    }
    if (score > best_score) {
      best_score = score;
      best.clear();
    }
    if (score == best_score)
      best.push_back(i);
  }
  auto& fam = fams[best[h.value() % best.size()]];
  rng r{hasher{h.value()}.add("params").value()};
  params p;
  const variant* v = &fam.sound;
  if (hasher{h.value()}.add("unsound").unit() < c.opt.unsound_rate) {
    bool missing = hasher{h.value()}.add("flaw").value() % 2 == 0;
    if (missing) {
      fam.make_sound(r, p);
      v = &fam.missing;
    } else {
      fam.make_contradictory(r, p);
      v = &fam.contradictory;
    }
  } else {
    fam.make_sound(r, p);
  }
  // A setting from the knowledge points: real models weave the concepts
  // into the story, so problems from one family differ in wording.
  static const char* openings[] = {"a lesson on", "a contest round about",
                                   "a workshop combining",
                                   "an exercise set on"};
  std::string setting = "[Setting: ";
  setting += openings[hasher{h.value()}.add("opening").value() % 4];
  for (size_t i = 0; i < points.size(); ++i) {
    setting += i == 0 ? " " : (i + 1 == points.size() ? " and " : ", ");
    for (char ch : core::llm_text::lower(points[i]))
      setting += ch == ']' ? ')' : ch;
  }
  setting += "] ";
  return "Problem: " + setting + render(v->pattern, p) + "\n";
}

inline std::string difficulty(const context& c) {
  auto problem = c.rv.input("problem");
  analysis a;
  int level = 0;
  if (read_problem(problem, a))
    level = a.fam->level;
  else
    level = problem.size() < 150 ? 0 : (problem.size() < 400 ? 1 : 2);
  auto u = hasher{c.opt.seed}.add("difficulty").add(problem).unit();
  if (u < 0.15)
    level = std::max(0, level - 1);
  else if (u > 0.85)
    level = std::min(2, level + 1);
  static const char* names[] = {"easy", "medium", "hard"};
  return std::string{"Difficulty: "} + names[level] + "\n";
}

} // namespace kpsynth::sim::detail
