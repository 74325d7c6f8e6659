// Builds a knowledge-point graph from a few seeds' KPs and prints the
// one-hop combinations the planner would turn into new problems.

#include "graph/kp_graph.hpp"
#include "graph/kp_registry.hpp"
#include "graph/path_samplers.hpp"

#include <fmt/format.h>

int main() {
  using namespace kpsynth::graph;
  kp_registry reg;
  const std::vector<std::pair<std::string, std::vector<std::string>>> seeds = {
    {"seed-1", {"Quadratic formula", "Discriminant", "Vieta's formulas"}},
    {"seed-2", {"Discriminant", "Completing the square"}},
    {"seed-3", {"Vieta's formulas", "Sum of roots", "Quadratic formula"}},
  };
  for (auto& [name, kps] : seeds) {
    auto s = reg.add_seed(name);
    for (auto& kp : kps)
      (void)reg.add_mention(s, kp);
  }
  std::vector<std::vector<kp_id>> seed_kps;
  for (seed_index s = 0; s < reg.seed_count(); ++s) {
    auto kps = reg.kps_of_seed(s);
    seed_kps.emplace_back(kps.begin(), kps.end());
  }
  auto g = kp_graph::build(seed_kps);
  if (!g) {
    fmt::print(stderr, "{}\n", g.error().to_string());
    return 1;
  }
  one_hop_sampler sampler{*g};
  while (auto c = sampler.next()) {
    fmt::print("#{} ", c->ordinal);
    for (auto kp : c->points)
      fmt::print("[{}] ", reg.display(kp));
    fmt::print("\n");
  }
  return 0;
}
