#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kpsynth::text {

/// The outcome of comparing two answers.
enum class verdict_kind {
  equal,     ///< Proven or numerically confirmed to be the same answer.
  not_equal, ///< Shown to differ.
  unknown,   ///< Could not decide: unparsable, too big, or out of time.
};

/// "equal", "not_equal" or "unknown".
std::string_view to_string(verdict_kind verdict);

/// How an answer written with a percent sign compares with a plain number.
enum class percent_mode {
  either,   ///< `50\%` equals both `50` and `0.5` (the default).
  fraction, ///< `50\%` equals `0.5` only.
  number,   ///< `50\%` equals `50` only.
};

/// Knobs of the comparison. The defaults suit consensus voting and checking
/// a program's printed output against a `\boxed{}` answer.
struct equiv_options {
  /// Relative tolerance when either side contains a decimal (`0.333333`,
  /// a program's `0.30000000000000004`).
  double tolerance = 1e-6;
  /// Relative tolerance of the numeric check between exact answers that
  /// GiNaC could not settle (`\sqrt{8}` vs `2\sqrt{2}`, nested radicals,
  /// trigonometric identities). Tight, because both sides are exact.
  double exact_tolerance = 1e-9;
  /// Absolute tolerance, so that 1e-17 and 0 agree.
  double abs_tolerance = 1e-12;
  /// Whether several answers ("1, 2") must come in the same order. Sets,
  /// `\pm` branches and unions never depend on order.
  bool ordered = false;
  /// See percent_mode.
  percent_mode percent = percent_mode::either;
  /// Wall-time budget of one comparison, parsing included. Checked
  /// cooperatively: no signals, no threads (see budget.hpp).
  std::chrono::microseconds budget{100'000};
  /// Longer inputs (whole solutions included) are refused as `unknown`.
  std::size_t max_solution_chars = 200'000;
  /// Longer answers, after extraction from a solution, are refused as
  /// `unknown` without being parsed.
  std::size_t max_input_chars = 2000;
  /// Deeper nesting of brackets, fractions or powers is refused.
  std::size_t max_nesting = 100;
  /// Larger integer exponents are not expanded exactly (numeric check only).
  long max_exponent = 10'000;
  /// Random points of the numeric identity check for free symbols.
  int random_points = 6;
  /// Seed of those points; fixed so that verdicts are reproducible.
  std::uint64_t seed = 0x6b7073796e746831ULL;
};

/// Verdict, the reason (naming the answer and column when an input was at
/// fault), and the time the comparison took.
struct equivalence_result {
  verdict_kind verdict = verdict_kind::unknown;
  std::string reason;
  double micros = 0;
};

struct prepared_state;

/// An answer normalised and parsed once, for callers that compare it with
/// many others (group_answers). Cheap to copy; immutable; may be shared
/// between threads.
class prepared_answer {
 public:
  /// The answer (or whole solution) as given.
  const std::string& original() const;
  /// normalize_answer() of its (extracted) answer.
  const std::string& normalized() const;
  /// True when it parsed as mathematics (not text, not refused).
  bool parsed() const;

  const prepared_state& state() const { return *state_; }

 private:
  friend prepared_answer prepare_answer(std::string_view, const equiv_options&);
  std::shared_ptr<const prepared_state> state_;
};

/// Normalises and parses `answer` within `options.budget`.
prepared_answer prepare_answer(std::string_view answer,
                               const equiv_options& options = {});

/// Decides whether two final answers are the same.
///
/// Steps: refuse over-long inputs; take the final answer out of whole
/// solutions and undo double escaping (answer_for_comparison(); a solution
/// without a findable answer is `unknown`); bound the answer's size;
/// normalise both (normalize_with_units); answers whose removed units or
/// nouns differ ("5 apples", "5 pears") are `not_equal`; accept identical
/// results; compare clock times as times; parse; compare structures
/// (equations, intervals, sets, tuples, matrices, `\pm`, several answers,
/// text) and scalars (GiNaC: normal/expand of the difference, exact for
/// rationals; then a seeded numeric check at random points, with
/// `tolerance` when a decimal is involved).
///
/// Equation prefixes follow one rule: an equation compared with a value
/// answers with its other side when one side is a name (a variable `x`,
/// `a_1`; letters `AB`; a function applied to letters or numbers `g(t)`,
/// `f(3)`, `P(A)`, `f^{-1}(x)`; `|PQ|`; a tuple of variables) whose first
/// letter the other side does not use. An equation without variables whose
/// sides agree (`3 + 4 = 7`) states its last side.
///
/// Bounded by `options.budget`; thread-safe (GiNaC runs under
/// ginac_mutex()); the reason is valid UTF-8; never throws except
/// std::bad_alloc.
equivalence_result equivalent(std::string_view a, std::string_view b,
                              const equiv_options& options = {});

/// The same for prepared answers; the budget covers the comparison only.
equivalence_result equivalent(const prepared_answer& a,
                              const prepared_answer& b,
                              const equiv_options& options = {});

} // namespace kpsynth::text
