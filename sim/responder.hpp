#pragma once

// The simulator's fake model: deterministic, role-aware answers to the
// prompts of the prompt pack (prompts/math), with a ground truth that can be
// re-derived from the text alone. A generated problem carries its own
// parameters, so any responder (also one restarted with the same options)
// knows whether it is sound and what its answer is, and judges, solvers and
// checks agree without shared state.

#include "core/result.hpp"
#include "protocols/openai/types.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::sim {

/// How a judge model behaves. With bias 0 its verdict matches the ground
/// truth with probability `accuracy` on good and bad items alike; a bias
/// b > 0 raises the probability of accepting by b (on both), b < 0 lowers
/// it, so a lenient judge lets more bad items through.
struct judge_profile {
  double accuracy = 0.9;
  double bias = 0.0;
};

/// Behaviour of the fake model.
struct responder_options {
  /// Mixed into every decision; two responders with the same options answer
  /// identically.
  uint64_t seed = 1;
  /// Fraction of generated problems that are unsound (missing data or
  /// contradictory conditions).
  double unsound_rate = 0.2;
  /// Probability that a solver (or program writer) gets a sound problem
  /// right, for models not listed in `solver_accuracy`.
  double default_solver_accuracy = 0.8;
  std::map<std::string, double> solver_accuracy; ///< By model name.
  std::map<std::string, judge_profile> judges;   ///< By model name.
  judge_profile default_judge;

  /// Reads options from TOML text with keys seed, unsound_rate,
  /// default_solver_accuracy, [solver_accuracy] (model = accuracy),
  /// [judges.<model>] (accuracy, bias) and [default_judge]. `where` names
  /// the source (a file name) in errors, which also give the line.
  static result<responder_options> from_toml(std::string_view toml_text,
                                             std::string_view where);
};

/// One generated alternative with its token accounting.
struct answer {
  std::string text;
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
  /// The prompt kind recognised from "### Task: <kind>", or "generic".
  std::string kind;
  /// "stop", or "length" when max_tokens cut the text.
  std::string finish_reason = "stop";
};

/// What the text of a problem says about itself.
struct truth {
  bool known = false; ///< The text is one of the responder's problems.
  bool sound = false; ///< It has all data and no contradiction.
  std::string answer; ///< The correct final answer if sound.
};

/// The deterministic fake model. Immutable and thread-safe after
/// construction.
class responder {
 public:
  explicit responder(responder_options options = {});

  /// Answers choice `choice_index` of a chat request. The kind comes from a
  /// "### Task: <kind>" header in the last user message (or else a system
  /// message); answers depend only on the options, the model name, the
  /// prompt, the request seed, the temperature and the choice index.
  answer respond(const openai::chat_request& req, uint32_t choice_index) const;

  /// The same for a plain completion; the prompt is read like a user turn.
  answer respond(const openai::completion_request& req,
                 uint32_t choice_index) const;

  /// A deterministic embedding: a normalised, sign-hashed bag of stemmed
  /// words and word pairs. Identical texts have cosine 1; texts that share
  /// most words score high; unrelated texts score near 0.
  std::vector<float> embed(std::string_view text, size_t dims) const;

  /// Ground truth of a problem text as this responder generates them.
  truth truth_of(std::string_view problem_text) const;

  const responder_options& options() const { return options_; }

 private:
  responder_options options_;
};

} // namespace kpsynth::sim
