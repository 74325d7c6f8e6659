#pragma once

// The stage registry: a map from a stage kind's name to what the kind is (what
// it consumes and produces, the prompts it sends, its own config keys) and a
// factory that spawns an instance. The configuration lists stage instances
// (`[[pipeline.stages]]`); the topology is built by walking that list, so a
// domain library adds kinds by registering them and a user reorders, adds or
// drops stages by editing TOML -- nobody edits the core (the VAST component
// factory pattern, shared/notes/composition.md section 1).

#include "actors/context.hpp"
#include "actors/lanes.hpp"
#include "core/config.hpp"
#include "core/prompt_pack.hpp"
#include "core/result.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth {

struct pipeline;

/// What travels between stages. Adjacent stages must agree on it.
enum class flow_type { seeds, knowledge_points, items };

/// Stable name of a flow type ("seeds", ...).
const char* to_string(flow_type x);

/// A prompt kind a stage sends, with the values it fills in.
struct prompt_use {
  std::string kind;
  /// Every value the stage passes when it renders the kind; a template
  /// placeholder outside this list can never be filled.
  std::vector<std::string> provides;
  /// Values the template must use, or the model would not see the input
  /// the stage exists for (the problem for a solver...).
  std::vector<std::string> requires_;
};

/// One of a kind's own config keys, with its default, for `pipeline show`
/// and the example config.
struct stage_option {
  std::string key;
  std::string default_value;
  std::string doc;
};

struct resolved_stage;

/// What the topology builder hands a factory.
struct stage_env {
  caf::actor_system& sys;
  context_ptr ctx;
  const resolved_stage& stage;
  /// The consumer of what this stage produces (the next stage or the sink).
  caf::actor downstream;
  /// Pools, sink and resume state; factories register helper actors here.
  pipeline& p;
  /// For a route: the consumer of each lane, in the order of its lanes.
  std::vector<caf::actor> lanes = {};
  /// Status-only actors a factory adds to the stage list right after its
  /// stage (a route's lanes), as (name, handle).
  std::vector<std::pair<std::string, caf::actor>> views = {};
};

/// Spawns one instance. Returning `downstream` itself leaves the stage out
/// of the running pipeline (e.g. no sandbox here); the factory logs why.
using stage_factory = std::function<result<caf::actor>(stage_env&)>;

/// How a kind sits in the topology: in a chain, or at either end of lanes.
enum class stage_role { chain, route, merge };

/// A registered stage kind.
struct stage_kind {
  std::string name;
  std::string doc; ///< One line for `pipeline show`.
  flow_type consumes = flow_type::items;
  flow_type produces = flow_type::items;
  bool needs_model = false;
  std::vector<stage_option> options;
  /// The prompts an instance sends. May depend on the whole configuration
  /// (the panel asks program_judge only when a program stage exists).
  std::function<std::vector<prompt_use>(const config::kpsynth_config&,
                                        const stage_spec&)>
    prompts;
  stage_factory spawn;
  stage_role role = stage_role::chain;
};

/// Stage kinds by name.
class stage_registry {
 public:
  /// Adds a kind; a second kind of the same name is an error.
  std::optional<problem> add(stage_kind kind);

  /// The kind, or nullptr.
  const stage_kind* find(std::string_view name) const;

  /// Every kind name, sorted.
  std::vector<std::string> names() const;

  /// A registry holding the built-in kinds (extract, plan, generate,
  /// decontam, solve, program, verify, judge_panel) plus every kind that a
  /// linked domain library registered with add_domain().
  static stage_registry with_builtins();

  /// Registers a domain library's kinds with every registry made by
  /// with_builtins() afterwards. Called from a static initialiser of the
  /// domain library, so that linking the library is all it takes.
  static bool add_domain(std::function<void(stage_registry&)> registrar);

 private:
  std::map<std::string, stage_kind, std::less<>> kinds_;
};

/// One lane of a route, resolved to stage positions.
struct resolved_lane {
  lane_spec spec;
  std::size_t first = 0; ///< Its first stage; the merge's when empty.
  std::size_t last = 0;  ///< Its last stage; the route's when empty.
};

/// One configured stage, checked against its kind.
struct resolved_stage {
  stage_spec spec;
  const stage_kind* kind = nullptr;
  std::vector<prompt_use> prompts;
  std::string where; ///< Config location, for errors.
  /// The stage that takes this one's output; the stage count means the sink.
  std::size_t next = 0;
  /// For a route: the field it switches on and its lanes.
  const route_field* field = nullptr;
  std::vector<resolved_lane> lanes;
  /// For a merge: how many lanes end here.
  std::size_t joins = 0;
  /// For a stage inside a lane: "<route>/<value>", for `pipeline show`.
  std::string lane;
};

/// The checked topology, in configuration order (seed source first, sink
/// last, neither listed). Stages between a route and its merge form lanes:
/// each lane starts at the stage its route names and runs, in list order,
/// up to the next lane's first stage or the merge.
struct topology {
  std::vector<resolved_stage> stages;
};

/// Resolves the configured (or legacy) pipeline against `registry`: every
/// kind known, every option declared by its kind, a model where the kind
/// needs one, each route's lanes naming stages between it and its merge,
/// and each stage consuming what the one before it (in its lane) produces
/// (seeds first, items last). Credit priority is the position: later stages
/// are served first, which drains the pipeline.
result<topology> resolve_topology(const config::kpsynth_config& cfg,
                                  const stage_registry& registry);

/// Checks the prompt pack against the prompts the topology sends: each kind
/// defined, no template placeholder the stage does not provide, every
/// required value used. Errors name the template's file and line.
std::optional<problem> check_prompts(const topology& t,
                                     const core::prompt_pack& pack);

/// The resolved topology as text, for `kpsynth pipeline show`.
std::string describe(const topology& t, const config::kpsynth_config& cfg);

} // namespace kpsynth
