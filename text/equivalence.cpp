#include "text/equivalence.hpp"

#include "text/compare.hpp"
#include "text/normalize.hpp"
#include "text/normalize_steps.hpp"
#include "text/parser.hpp"
#include "text/scan.hpp"
#include "text/solution.hpp"

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
    clock,    ///< A time of day, `normalized` is `H:MM`.
  };
  std::string original;
  std::string normalized;
  std::string units; ///< Units and nouns removed after numbers.
  form kind = form::failed;
  node tree;
  std::string key;
  problem error;
};

namespace {

using clock = std::chrono::steady_clock;

std::shared_ptr<prepared_state> refuse(std::shared_ptr<prepared_state> state,
                                       std::string what, std::size_t size,
                                       std::size_t limit) {
  state->kind = prepared_state::form::too_long;
  state->error = make_problem("too_long", what + " of " + std::to_string(size)
                                            + " characters exceeds "
                                            + std::to_string(limit));
  return state;
}

std::shared_ptr<prepared_state>
prepare(std::string_view input, const equiv_options& options, budget& work) {
  auto state = std::make_shared<prepared_state>();
  state->original = std::string{input};
  if (input.size() > options.max_solution_chars)
    return refuse(std::move(state), "input", input.size(),
                  options.max_solution_chars);
  // Extract first, then bound the answer: a long solution may end in a
  // short answer, and only the answer is parsed.
  auto found = answer_for_comparison(input);
  if (found.solution && !found.source) {
    state->error =
      make_problem("no_answer", "no final answer found in the solution");
    return state; // form::failed: unknown, never a guess
  }
  if (found.text.size() > options.max_input_chars)
    return refuse(std::move(state),
                  found.source ? "extracted answer" : "answer",
                  found.text.size(), options.max_input_chars);
  auto normalized = normalize_with_units(found.text);
  state->normalized = std::move(normalized.text);
  state->units = std::move(normalized.units);
  state->key = text_key(state->normalized);
  if (detail::is_clock(state->normalized)) {
    state->kind = prepared_state::form::clock;
    return state;
  }
  auto answer = std::string_view{state->normalized};
  auto parsed = parse_answer(answer, work, options.max_nesting);
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
  // Refused inputs and solutions without an answer decide nothing.
  auto refused = [](const prepared_state& x) {
    return x.kind == form::too_long
           || (x.kind == form::failed && x.error.code == "no_answer");
  };
  if (refused(a))
    return {verdict_kind::unknown, describe(a.error, "a")};
  if (refused(b))
    return {verdict_kind::unknown, describe(b.error, "b")};
  if (a.normalized.empty() || b.normalized.empty())
    return {verdict_kind::unknown, "empty answer"};
  // "5 apples" and "5 pears" count different things; "5 apples" and "5"
  // do not disagree.
  if (!a.units.empty() && !b.units.empty() && a.units != b.units)
    return {verdict_kind::not_equal,
            "different units: " + a.units + " vs " + b.units};
  if (a.normalized == b.normalized)
    return {verdict_kind::equal, "identical after normalisation"};
  if (a.kind == form::clock || b.kind == form::clock) {
    if (a.kind != b.kind)
      return {verdict_kind::unknown, "a time of day vs another answer"};
    return {verdict_kind::not_equal, "different times of day"};
  }
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
  result.reason = scan::valid_utf8(result.reason);
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
  result.reason = scan::valid_utf8(result.reason);
  result.micros = micros_since(start);
  return result;
}

} // namespace kpsynth::text
