#pragma once

// Internal to sim/responder.cpp: the answer functions of the solving and
// judging kinds. Solvers are right with their model's accuracy; judges match
// the ground truth (re-derived from the problem text) with their profile's
// accuracy and bias. Decisions of judges depend on (judge model, problem,
// solution or program) only, never on sampling, so a restarted simulator
// judges the same item the same way.

#include "sim/responder_kinds.hpp"

namespace kpsynth::sim::detail {

/// Makes a worked solution wrong the way solvers are, by a slip in the
/// computation: every step that states the result ("= <right>") states
/// `wrong` instead. False if no step states the result.
inline bool slip(std::vector<std::string>& steps, const std::string& right,
                 const std::string& wrong) {
  auto needle = "= " + right;
  auto ends_number = [&](const std::string& s, size_t end) {
    return end < s.size()
           && ((s[end] >= '0' && s[end] <= '9')
               || (s[end] == '.' && end + 1 < s.size() && s[end + 1] >= '0'
                   && s[end + 1] <= '9'));
  };
  bool found = false;
  for (auto& step : steps) {
    for (auto at = step.find(needle); at != std::string::npos;
         at = step.find(needle, at + 2)) {
      if (ends_number(step, at + needle.size()))
        continue;
      step.replace(at, needle.size(), "= " + wrong);
      found = true;
    }
  }
  return found;
}

inline std::string solve(const context& c) {
  auto problem = c.rv.input("problem");
  analysis a;
  bool known = read_problem(problem, a);
  auto h = c.key().add(core::llm_text::squeeze(problem)).add(c.rv.variation);
  std::vector<std::string> steps;
  std::string final_answer;
  if (known && a.eval.sound) {
    steps = a.eval.steps;
    if (h.unit() < c.solver_accuracy()) {
      final_answer = a.eval.answer;
    } else {
      final_answer = wrong_answer(a.eval.answer, h.value());
      if (!slip(steps, a.eval.answer, final_answer))
        steps.back() = "Carrying out the final computation, we obtain $"
                       + final_answer + "$.";
    }
  } else {
    rng r{h.value()};
    auto guess = r.range(2, 120);
    final_answer = std::to_string(guess);
    steps = {"Identify the quantities given in the problem and the quantity "
             "we are asked to find.",
             "Some information has to be inferred; we take the most natural "
             "reading of the statement.",
             "Setting up the relation between the quantities and simplifying "
             "gives $"
               + final_answer + "$."};
  }
  // Real solutions restate, plan, compute and check: a few hundred tokens.
  std::string result = "We are told: " + first_sentence(problem)
                       + " Let us work through it step by step.\n\n"
                         "**Plan.** First we collect the given quantities "
                         "and what is asked, then we apply the relevant "
                         "facts one at a time, and finally we check the "
                         "result against every condition of the problem.\n\n";
  for (size_t i = 0; i < steps.size(); ++i)
    result += "**Step " + std::to_string(i + 1) + ".** " + steps[i] + "\n\n";
  result += "**Verification.** Going back over each step: the quantities we "
            "used are exactly the ones given, every intermediate value follows "
            "from the previous one, and substituting the result into the "
            "conditions of the problem is consistent. The value is also in "
            "simplest form, as required.\n\nTherefore, the final answer is "
            "$\\boxed{"
            + final_answer + "}$.\n";
  return result;
}

inline std::string judge_problem(const context& c) {
  auto problem = core::llm_text::squeeze(c.rv.input("problem"));
  analysis a;
  bool known = read_problem(problem, a);
  bool good = !known || a.eval.sound;
  auto h = c.key().add(problem);
  bool accept = judge_accepts(c.judge(), good, h.unit());
  auto u2 = hasher{h.value()}.add("score").unit();
  double score = accept ? 0.86 + 0.13 * u2 : 0.10 + 0.60 * u2;
  std::string result;
  if (accept) {
    result = "1. Completeness: every quantity needed is stated.\n"
             "2. Consistency: the conditions do not conflict.\n"
             "3. Well-posedness: the question has a single well-defined "
             "answer.\n"
             "4. Clarity: the wording is precise and standard.\n";
  } else if (!good) {
    result = "1. Completeness and consistency: " + a.eval.flaw
             + ".\n"
               "2. Well-posedness: because of this the problem has no single "
               "well-defined answer.\n"
               "3. Clarity: the wording itself is readable.\n";
  } else {
    result = "1. Completeness: the data appear to be given.\n"
             "2. Clarity: the statement leaves it unclear which quantity is "
             "meant, so different readers may answer different questions.\n"
             "3. Well-posedness: not guaranteed under that ambiguity.\n";
  }
  bool bold = hasher{h.value()}.add("format").unit() < 0.1;
  result += (bold ? "\n**Score:** " : "\nScore: ") + two_decimals(score) + "\n";
  return result;
}

inline std::string judge_solution(const context& c) {
  auto problem = core::llm_text::squeeze(c.rv.input("problem"));
  auto solution = c.rv.input("solution");
  auto claimed = core::last_boxed(solution);
  if (claimed.empty())
    if (auto parsed = core::parse_solution(solution))
      claimed = parsed->answer;
  analysis a;
  bool known = read_problem(problem, a);
  bool good = known ? a.eval.sound && same_answer(claimed, a.eval.answer)
                    : !claimed.empty();
  auto h = c.key().add(problem).add(core::llm_text::squeeze(solution));
  bool accept = judge_accepts(c.judge(), good, h.unit());
  std::string result =
    "The solution's final answer is "
    + (claimed.empty() ? std::string{"missing"} : "$" + claimed + "$") + ".\n";
  if (accept)
    result += "I re-derived the key steps independently and they agree with "
              "the solution; the final answer is correct and simplified.\n";
  else if (known && !a.eval.sound)
    result += "However, the problem itself is flawed: " + a.eval.flaw
              + ", so no answer can be justified.\n";
  else
    result += "Re-deriving the key steps, I find that the solution's "
              "reasoning or its final computation is not right.\n";
  result += accept ? "Verdict: True\n" : "Verdict: False\n";
  return result;
}

/// The slip of a wrong program: its printed value is off by one.
inline std::string wrong_program(std::string code) {
  auto at = code.rfind("print(");
  auto close = code.rfind(')');
  if (at == std::string::npos || close == std::string::npos || close < at)
    return code + "print(1)\n";
  code.insert(close, " + 1");
  return code;
}

inline std::string program(const context& c) {
  auto problem = c.rv.input("problem");
  analysis a;
  bool known = read_problem(problem, a);
  auto h = c.key().add(core::llm_text::squeeze(problem)).add(c.rv.variation);
  std::string code;
  if (known && a.eval.sound) {
    code = a.eval.python.empty() ? "print(r\"" + a.eval.answer + "\")\n"
                                 : a.eval.python;
    if (h.unit() >= c.solver_accuracy())
      code = wrong_program(code);
  } else {
    rng r{h.value()};
    code = "# The statement leaves a value open; take the most natural "
           "reading.\nanswer = "
           + std::to_string(r.range(2, 120)) + "\nprint(answer)\n";
  }
  return "```python\n" + code + "```\n";
}

inline std::string program_judge(const context& c) {
  auto problem = core::llm_text::squeeze(c.rv.input("problem"));
  auto code = strip_fences(c.rv.input("program"));
  analysis a;
  bool known = read_problem(problem, a);
  bool good = false;
  if (!known)
    good = code.find("print") != std::string::npos;
  else if (a.eval.sound && !a.eval.python.empty())
    good =
      core::llm_text::squeeze(code) == core::llm_text::squeeze(a.eval.python);
  else if (a.eval.sound)
    good = code.find(a.eval.answer) != std::string::npos;
  auto h = c.key().add(problem).add(core::llm_text::squeeze(code));
  bool accept = judge_accepts(c.judge(), good, h.unit());
  std::string result =
    accept ? "The program uses the problem's data and computes the requested "
             "quantity.\n"
           : "The program does not faithfully compute what the problem asks "
             "for.\n";
  result += accept ? "Verdict: True\n" : "Verdict: False\n";
  return result;
}

inline std::string same_problem(const context& c) {
  auto a = core::llm_text::squeeze(c.rv.input("problem a"));
  auto b = core::llm_text::squeeze(c.rv.input("problem b"));
  bool same = a == b || word_overlap(a, b) >= 0.85;
  return same ? "SAME" : "DIFFERENT";
}

} // namespace kpsynth::sim::detail
