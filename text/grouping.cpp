#include "text/grouping.hpp"

#include "text/scan.hpp"

#include <algorithm>

namespace kpsynth::text {

answer_groups group_answers(const std::vector<std::string>& answers,
                            const equiv_options& options) {
  answer_groups groups;
  groups.total = answers.size();
  std::vector<prepared_answer> representatives;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (scan::trim(answers[i]).empty()) {
      ++groups.empty;
      continue;
    }
    auto prepared = prepare_answer(answers[i], options);
    bool placed = false;
    for (std::size_t c = 0; c < groups.clusters.size() && !placed; ++c) {
      const auto& rep = representatives[c];
      bool same = !prepared.normalized().empty()
                  && prepared.normalized() == rep.normalized();
      if (!same)
        same =
          equivalent(rep, prepared, options).verdict == verdict_kind::equal;
      if (same) {
        groups.clusters[c].members.push_back(i);
        ++groups.clusters[c].count;
        placed = true;
      }
    }
    if (!placed) {
      groups.clusters.push_back(answer_cluster{answers[i], {i}, 1});
      representatives.push_back(std::move(prepared));
    }
  }
  std::stable_sort(groups.clusters.begin(), groups.clusters.end(),
                   [](const answer_cluster& x, const answer_cluster& y) {
                     return x.count > y.count;
                   });
  if (!groups.clusters.empty() && groups.total > 0)
    groups.majority_share = static_cast<double>(groups.clusters[0].count)
                            / static_cast<double>(groups.total);
  return groups;
}

} // namespace kpsynth::text
