#include "text/equivalence.hpp"

#include "text/compare.hpp"
#include "text/normalize.hpp"
#include "text/parser.hpp"

#include <exception>
#include <new>

namespace kpsynth::text {

/// What prepare_answer() learnt about one answer.
struct prepared_state {
  enum class form {
    parsed,   ///< `tree` holds the mathematics.
    text,     ///< A prose answer; compare `key`.
    too_long, ///< Refused unparsed.
    failed,   ///< Did not parse; `error` says where.
  };
  std::string original;
  std::string normalized;
  form kind = form::failed;
  node tree;
  std::string key;
  problem error;
};

namespace {

using clock = std::chrono::steady_clock;

std::shared_ptr<prepared_state>
prepare(std::string_view answer, const equiv_options& options, budget& work) {
  auto state = std::make_shared<prepared_state>();
  state->original = std::string{answer};
  if (answer.size() > options.max_input_chars) {
    state->kind = prepared_state::form::too_long;
    state->error =
      make_problem("too_long", "answer of " + std::to_string(answer.size())
                                 + " characters exceeds "
                                 + std::to_string(options.max_input_chars));
    return state;
  }
  state->normalized = normalize_answer(answer);
  state->key = text_key(state->normalized);
  auto parsed = parse_answer(state->normalized, work, options.max_nesting);
  if (parsed) {
    state->kind = prepared_state::form::parsed;
    state->tree = std::move(*parsed);
  } else if (parsed.error().code == "text_answer") {
    state->kind = prepared_state::form::text;
  } else {
    state->kind = prepared_state::form::failed;
    state->error = parsed.error();
  }
  return state;
}

std::string describe(const problem& p, std::string_view side) {
  std::string out{"answer "};
  out += side;
  if (!p.where.empty()) {
    out += ", ";
    out += p.where;
  }
  out += ": ";
  out += p.message;
  return out;
}

equivalence_result decide(const prepared_state& a, const prepared_state& b,
                          const equiv_options& options, budget& work) {
  using form = prepared_state::form;
  if (a.kind == form::too_long)
    return {verdict_kind::unknown, describe(a.error, "a")};
  if (b.kind == form::too_long)
    return {verdict_kind::unknown, describe(b.error, "b")};
  if (a.normalized.empty() || b.normalized.empty())
    return {verdict_kind::unknown, "empty answer"};
  if (a.normalized == b.normalized)
    return {verdict_kind::equal, "identical after normalisation"};
  if (a.kind == form::text || b.kind == form::text) {
    // "Monday" vs "monday", "(C)" vs "C": letters and digits decide.
    bool same = !a.key.empty() && a.key == b.key;
    return {same ? verdict_kind::equal : verdict_kind::not_equal,
            same ? "same text" : "different text"};
  }
  if (a.kind == form::failed)
    return {verdict_kind::unknown, describe(a.error, "a")};
  if (b.kind == form::failed)
    return {verdict_kind::unknown, describe(b.error, "b")};
  compare_context ctx{options, work, symbolic_limits{}, {}};
  ctx.limits.max_exponent = options.max_exponent;
  auto verdict = compare_trees(a.tree, b.tree, ctx);
  if (work.exhausted()) {
    auto us = options.budget.count();
    auto limit = us >= 1000 ? std::to_string(us / 1000) + " ms"
                            : std::to_string(us) + " us";
    return {verdict_kind::unknown, "time budget of " + limit + " exhausted"};
  }
  return {verdict, std::move(ctx.reason)};
}

double micros_since(clock::time_point start) {
  return std::chrono::duration<double, std::micro>(clock::now() - start)
    .count();
}

} // namespace

std::string_view to_string(verdict_kind verdict) {
  switch (verdict) {
  case verdict_kind::equal:
    return "equal";
  case verdict_kind::not_equal:
    return "not_equal";
  case verdict_kind::unknown:
    return "unknown";
  }
  return "unknown";
}

const std::string& prepared_answer::original() const {
  return state_->original;
}

const std::string& prepared_answer::normalized() const {
  return state_->normalized;
}

bool prepared_answer::parsed() const {
  return state_->kind == prepared_state::form::parsed;
}

prepared_answer prepare_answer(std::string_view answer,
                               const equiv_options& options) {
  budget work{options.budget};
  prepared_answer result;
  try {
    result.state_ = prepare(answer, options, work);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    auto state = std::make_shared<prepared_state>();
    state->original = std::string{answer};
    state->error = make_problem("internal", e.what());
    result.state_ = std::move(state);
  }
  return result;
}

equivalence_result equivalent(std::string_view a, std::string_view b,
                              const equiv_options& options) {
  auto start = clock::now();
  budget work{options.budget};
  equivalence_result result;
  try {
    auto pa = prepare(a, options, work);
    auto pb = prepare(b, options, work);
    result = decide(*pa, *pb, options, work);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    result = {verdict_kind::unknown,
              std::string{"internal error: "} + e.what()};
  }
  result.micros = micros_since(start);
  return result;
}

equivalence_result equivalent(const prepared_answer& a,
                              const prepared_answer& b,
                              const equiv_options& options) {
  auto start = clock::now();
  budget work{options.budget};
  equivalence_result result;
  try {
    result = decide(a.state(), b.state(), options, work);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    result = {verdict_kind::unknown,
              std::string{"internal error: "} + e.what()};
  }
  result.micros = micros_since(start);
  return result;
}

} // namespace kpsynth::text
