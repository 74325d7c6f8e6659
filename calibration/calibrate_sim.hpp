#pragma once

// Offline calibration with the simulator: judge votes computed by
// sim::responder from judge profiles (accuracy, bias), and reference labels
// from its hidden ground truth. The votes are obtained the way the pipeline
// obtains them - the prompt pack's judge_problem and judge_solution prompts,
// answered by the responder and parsed by core/llm_output - so a profile
// named like a run's judge model, with the run's simulator seed, votes
// exactly as that judge did in the run.

#include "calibration/calibrate.hpp"
#include "core/prompt_pack.hpp"
#include "core/result.hpp"
#include "sim/responder.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// A simulated judge: its model name and behaviour.
struct judge_spec {
  std::string name;
  double accuracy = 0.9;
  double bias = 0;
};

/// Parses "name=accuracy" or "name=accuracy:bias" (accuracy in 0..1, bias
/// in -1..1), e.g. "yi-34b=0.95:-0.02".
result<judge_spec> parse_judge_spec(std::string_view arg);

/// Settings shared by every simulated judge.
struct sim_judging_options {
  uint64_t seed = 1; ///< The simulator seed ([simulator] seed of a run).
  std::filesystem::path prompts = "prompts/math"; ///< The prompt pack.
};

/// Judges and labels from the simulator.
class simulated_panel {
 public:
  /// Loads the prompt pack; fails if it cannot, or a judge is named twice.
  static result<simulated_panel> make(std::vector<judge_spec> judges,
                                      const sim_judging_options& opts);

  /// The vote of `judge` on an item, as the pipeline would get it.
  result<judge_vote> vote(const judge_spec& judge,
                          const labelled_item& item) const;

  /// Every judge's vote on every item.
  result<std::vector<judge_vote>>
  votes(const std::vector<labelled_item>& items) const;

  /// The reference label: the problem is one the simulator knows, it is
  /// sound, and `answer` equals the true answer (compared by value the way
  /// the simulator compares answers). nullopt for a problem the simulator
  /// does not know (no ground truth).
  std::optional<bool> label(std::string_view problem,
                            std::string_view answer) const;

  const std::vector<judge_spec>& judges() const { return judges_; }

 private:
  simulated_panel() = default;
  result<std::string>
  ask(const std::string& model, const std::string& kind,
      const std::map<std::string, std::string>& values) const;

  std::vector<judge_spec> judges_;
  sim::responder responder_;
  core::prompt_pack pack_;
};

/// A labelled set built from a simulated run.
struct run_labels {
  std::vector<labelled_item> items;
  uint64_t without_solution = 0; ///< Items that never got a solution.
  uint64_t unknown = 0; ///< Problems without ground truth: not labelled.
};

/// Labels every item of `<run_dir>/items.jsonl` that has a problem, a
/// solution and an answer (all candidates, whatever the run's panel did).
/// Fails if no item can be labelled: the run was not simulated.
result<run_labels> labels_from_run(const std::filesystem::path& run_dir,
                                   const simulated_panel& panel);

} // namespace kpsynth::quality
