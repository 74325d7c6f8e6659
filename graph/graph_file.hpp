#pragma once

#include "core/result.hpp"
#include "graph/kp_graph.hpp"
#include "graph/kp_registry.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::graph {

/// Everything the planner needs after a restart without redoing the LLM
/// work: KP texts and mentions, the synonym map, and the graph itself.
struct graph_bundle {
  kp_registry registry;
  /// representative_of[kp] for every registry KP; empty means identity.
  std::vector<kp_id> representative_of;
  kp_graph graph;
};

/// Binary, little-endian: an 8-byte magic "KPSGRAPH", a version, then
/// tagged sections (tag, length, payload, XXH3 of the payload) ending in an
/// END section that counts the others. A cut-off or altered file is
/// reported with the byte offset and section, never read half-way.
std::string encode_bundle(const kp_registry& registry,
                          std::span<const kp_id> representative_of,
                          const kp_graph& graph);

/// Decodes and validates; `where` (usually the file name) prefixes errors.
result<graph_bundle> decode_bundle(std::string_view bytes,
                                   std::string_view where);

/// Writes atomically (temporary file, fsync, rename), so a crash leaves
/// either the old or the new file. Returns the bytes written.
result<std::uint64_t> save_bundle(const std::filesystem::path& file,
                                  const kp_registry& registry,
                                  std::span<const kp_id> representative_of,
                                  const kp_graph& graph);

/// Reads and decodes a file written by `save_bundle`.
result<graph_bundle> load_bundle(const std::filesystem::path& file);

} // namespace kpsynth::graph
