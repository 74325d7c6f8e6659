#include "actors/planner.hpp"

#include "actors/blocking_worker.hpp"
#include "graph/mixed_sampler.hpp"
#include "graph/path_samplers.hpp"
#include "protocols/errors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace kpsynth {

namespace {

using self_ptr = planner_actor::stateful_pointer<planner_state>;

combination_kind convert(graph::combination_kind k) {
  switch (k) {
  case graph::combination_kind::one_hop:
    return combination_kind::one_hop;
  case graph::combination_kind::two_hop:
    return combination_kind::two_hop;
  case graph::combination_kind::three_hop:
    return combination_kind::three_hop;
  case graph::combination_kind::community:
    return combination_kind::community;
  case graph::combination_kind::cooccurrence:
    return combination_kind::cooccurrence;
  }
  return combination_kind::one_hop;
}

void emit(self_ptr self);

/// What the blocking worker builds: the graph and the sampler over it.
struct built_graph {
  std::unique_ptr<graph::kp_graph> graph;
  std::unique_ptr<graph::sampler> sampler;
  std::string error;
};

/// Builds the KP graph of `seed_kps` and its sampler. Blocking work (the
/// graph of a large seed set takes seconds): runs on the planner's worker.
void make_graph(built_graph& out,
                const std::vector<std::vector<graph::kp_id>>& seed_kps,
                const config::planner_config& pc) {
  auto g = graph::kp_graph::build(seed_kps);
  if (!g) {
    out.error = g.error().to_string();
    return;
  }
  out.graph = std::make_unique<graph::kp_graph>(std::move(*g));
  if (pc.two_hop + pc.three_hop + pc.community == 0) {
    out.sampler = std::make_unique<graph::one_hop_sampler>(*out.graph);
    return;
  }
  graph::gsdp_mix_options mix;
  mix.one_hop = pc.one_hop;
  mix.two_hop = pc.two_hop;
  mix.three_hop = pc.three_hop;
  mix.community = pc.community;
  mix.three_hop_config.core.top_fraction = pc.core_fraction;
  mix.three_hop_config.per_core_cap = pc.three_hop_per_core;
  out.sampler = graph::make_gsdp_sampler(*out.graph, mix);
}

/// Takes the worker's graph and sampler, then emits.
void adopt(self_ptr self, built_graph& b) {
  auto& st = self->state;
  st.building = false;
  if (!b.error.empty() || !b.sampler) {
    spdlog::error("planner: cannot build the KP graph: {}", b.error);
    st.exhausted = true;
    emit(self);
    return;
  }
  st.graph = std::move(b.graph);
  st.sampler = std::move(b.sampler);
  auto stats = st.graph->stats();
  auto hint = st.sampler->size_hint();
  spdlog::info("planner: KP graph with {} nodes and {} edges; {} "
               "combinations ({})",
               stats.nodes, stats.edges,
               hint ? std::to_string(*hint) : std::string{"unbounded"},
               st.sampler->name());
  emit(self);
}

/// Interns the knowledge points after the last list, then has the worker
/// build the graph and the sampler.
void build(self_ptr self) {
  auto& st = self->state;
  std::sort(
    st.lists.begin(), st.lists.end(),
    [](const kp_list& a, const kp_list& b) { return a.seed_id < b.seed_id; });
  for (auto& x : st.lists) {
    auto seed = st.registry.add_seed(x.seed_id);
    for (auto& p : x.points)
      if (auto id = st.registry.add_mention(seed, p); !id)
        spdlog::warn("planner: {}", id.error().to_string());
  }
  st.lists.clear();
  st.lists.shrink_to_fit();
  auto seed_kps = std::make_shared<std::vector<std::vector<graph::kp_id>>>(
    st.registry.seed_count());
  for (graph::seed_index s = 0; s < st.registry.seed_count(); ++s) {
    auto kps = st.registry.kps_of_seed(s);
    (*seed_kps)[s].assign(kps.begin(), kps.end());
  }
  st.building = true;
  auto out = std::make_shared<built_graph>();
  offload(
    self, st.worker, blocking_timeout,
    [out, seed_kps, pc = st.ctx->cfg.planner] {
      make_graph(*out, *seed_kps, pc);
    },
    [self, out] { adopt(self, *out); },
    [self, out](caf::error& err) {
      out->error = decode_error(err).message;
      adopt(self, *out);
    });
}

/// Emits as many new items as downstream asked for.
void emit(self_ptr self) {
  auto& st = self->state;
  if (!st.in.upstream_done || st.done_sent || st.building)
    return;
  if (!st.sampler && !st.exhausted) {
    build(self);
    return; // adopt() emits once the worker is done.
  }
  auto max_items = st.ctx->cfg.run.max_items;
  std::vector<item_record> batch;
  while (!st.exhausted && batch.size() < st.credit) {
    if (max_items > 0 && st.planned >= max_items) {
      st.exhausted = true;
      break;
    }
    auto c = st.sampler->next();
    if (!c) {
      st.exhausted = true;
      break;
    }
    ++st.planned;
    item_record x;
    x.id = fmt::format("{:016x}", c->id);
    if (st.done_ids.erase(x.id) > 0) {
      ++st.skipped;
      continue;
    }
    x.origin.id = x.id;
    x.origin.kind = convert(c->kind);
    x.origin.ordinal = c->ordinal;
    for (auto kp : c->points)
      x.origin.points.push_back(st.registry.display(kp));
    for (auto s : c->seeds)
      x.origin.seed_ids.push_back(st.registry.seed_name(s));
    batch.push_back(std::move(x));
  }
  st.credit -= batch.size();
  if (!batch.empty())
    self->send(st.downstream, atom::push_v, std::move(batch));
  if (st.exhausted && !st.done_sent) {
    st.done_sent = true;
    if (st.skipped > 0)
      spdlog::info("planner: {} combination(s) were done by an earlier run",
                   st.skipped);
    self->send(st.downstream, atom::done_v);
  }
}

} // namespace

planner_actor::behavior_type
planner(planner_actor::stateful_pointer<planner_state> self, context_ptr ctx,
        stage_spec spec, consumer_actor<item_record> downstream,
        std::unordered_set<std::string> done_ids) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.spec = std::move(spec);
  st.downstream = std::move(downstream);
  st.done_ids = std::move(done_ids);
  st.in.bound = 256;
  st.worker = spawn_blocking_worker(self);
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  return {
    [=](atom::attach, producer_actor& up) {
      auto& s = self->state;
      s.upstream = std::move(up);
      if (auto n = s.in.to_pull(0); n > 0)
        self->send(s.upstream, atom::pull_v, n);
    },
    // Knowledge points of some seeds.
    [=](atom::push, std::vector<kp_list>& xs) {
      auto& s = self->state;
      s.in.received(xs.size());
      for (auto& x : xs) {
        if (x.points.empty())
          continue;
        x.trace.clear(); // Provenance of extraction is in the journal.
        s.lists.push_back(std::move(x));
      }
      // The planner only accumulates, so it can always take more.
      if (auto n = s.in.to_pull(0); n > 0)
        self->send(s.upstream, atom::pull_v, n);
    },
    [=](atom::done) {
      self->state.in.upstream_done = true;
      emit(self);
    },
    [=](atom::pull, uint32_t n) {
      self->state.credit += n;
      emit(self);
    },
    [=](atom::status) {
      auto& s = self->state;
      stage_status r;
      r.name = s.spec.name;
      r.kind = s.spec.kind;
      r.queued = s.lists.size();
      r.in = s.in.total;
      r.out = s.planned - s.skipped;
      r.upstream_done = s.in.upstream_done;
      r.done = s.done_sent;
      return r;
    },
  };
}

} // namespace kpsynth
