#pragma once

#include "graph/combination.hpp"
#include "graph/cooccurrence.hpp"
#include "graph/kp_graph.hpp"
#include "graph/path_samplers.hpp"
#include "graph/three_hop_sampler.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace kpsynth::graph {

/// One sampler in a mix and its share.
struct mixed_part {
  std::unique_ptr<sampler> source;
  std::uint32_t weight = 1; ///< 0 leaves the part out.
};

/// Interleaves several samplers by weight with stride scheduling: the next
/// item comes from the part with the smallest (emitted + 1) / weight (ties:
/// earlier part), so after any prefix every part's share is within one
/// item of its weight's share. A part that runs dry drops out and the
/// others continue. Lazy and resumable: the cursor nests the parts'.
class mixed_sampler final : public sampler {
 public:
  explicit mixed_sampler(std::vector<mixed_part> parts);

  std::string_view name() const override { return "mixed"; }
  std::optional<combination> next() override;
  sampler_cursor cursor() const override;
  /// All-or-nothing: on error every part stays where it was.
  result<std::uint64_t> seek(const sampler_cursor& cursor) override;
  /// Sum of the parts' hints if every weighted part has one.
  std::optional<std::uint64_t> size_hint() const override;
  std::uint64_t fingerprint() const override { return fingerprint_; }

  std::size_t part_count() const { return parts_.size(); }
  const sampler& part(std::size_t i) const { return *parts_[i].source; }
  /// Items taken from part i so far.
  std::uint64_t emitted(std::size_t i) const { return emitted_[i]; }

 private:
  std::vector<mixed_part> parts_;
  std::vector<std::uint64_t> emitted_;
  std::vector<bool> exhausted_;
  std::uint64_t total_ = 0;
  std::uint64_t fingerprint_;
};

/// Weights of the GSDP mix (the paper uses every kind; equal by default).
struct gsdp_mix_options {
  std::uint32_t one_hop = 1;
  std::uint32_t two_hop = 1;
  std::uint32_t three_hop = 1;
  std::uint32_t community = 1;
  std::uint32_t cooccurrence = 0; ///< Needs `model`.
  three_hop_options three_hop_config;
  provenance_options provenance;
  const cooccurrence_model* model = nullptr; ///< Must outlive the sampler.
  cooccurrence_options cooccurrence_config;
};

/// The standard mix over one graph, parts in the order above. The graph
/// (and model) must outlive the sampler.
std::unique_ptr<mixed_sampler> make_gsdp_sampler(const kp_graph& graph,
                                                 const gsdp_mix_options& opt);

} // namespace kpsynth::graph
