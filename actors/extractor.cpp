#include "actors/extractor.hpp"

#include "actors/item_stage_behavior.hpp"
#include "core/llm_output.hpp"
#include "protocols/records.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kpsynth {

namespace {

/// Appends `result` to the journal and syncs it; the error if that failed.
std::optional<problem> journal_write(extractor_state& st,
                                     const kp_list& result) {
  auto line = to_json(result);
  line.push_back('\n');
  if (auto p = st.journal->append(line))
    return p;
  return st.journal->sync();
}

} // namespace

extractor_actor::behavior_type
extractor(extractor_actor::stateful_pointer<extractor_state> self,
          context_ptr ctx, stage_spec spec, model_pool_actor pool,
          consumer_actor<kp_list> downstream, seed_ledger_actor ledger,
          std::unordered_map<std::string, kp_list> journaled) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.ledger = std::move(ledger);
  st.journaled = std::move(journaled);
  auto path = st.ctx->cfg.run.output_dir / "knowledge_points.jsonl";
  auto journal = append_file::open(path);
  if (!journal) {
    self->quit(make_error(ec::fatal, journal.error().to_string()));
    return extractor_actor::behavior_type::make_empty_behavior();
  }
  st.journal.emplace(std::move(*journal));
  auto& core = st.core;
  core.wire(std::move(spec), std::move(pool), std::move(downstream));
  core.hooks.shortcut = [self](seed_problem& s) -> std::optional<kp_list> {
    auto& j = self->state.journaled;
    auto i = j.find(s.id);
    if (i == j.end())
      return std::nullopt;
    auto result = std::move(i->second);
    j.erase(i);
    // The sink drops outcomes it already has, so re-reporting is safe and
    // covers a crash between the journal write and the outcome record.
    seed_outcome outcome{
      s.id, true, static_cast<uint32_t>(result.points.size()), {}};
    self->send(self->state.ledger, atom::outcome_v, std::move(outcome));
    return result;
  };
  core.hooks.make_call = [self](const seed_problem& s) {
    auto& c = *self->state.ctx;
    return render_call(c, "kp_extract",
                       {{"problem", s.problem},
                        {"solution", s.solution},
                        {"max_points", std::to_string(c.cfg.run.max_points)}},
                       self->state.core.spec.name,
                       &self->state.core.spec.settings);
  };
  core.hooks.finish = [self](seed_problem&& s, const llm_reply* reply,
                             const error_info* err) {
    auto& st = self->state;
    auto& name = st.core.spec.name;
    kp_list result;
    result.seed_id = s.id;
    seed_outcome outcome;
    outcome.seed_id = s.id;
    if (reply != nullptr) {
      result.trace.push_back(trace_of(name, *reply));
      core::kp_list_limits limits;
      limits.max_points = st.ctx->cfg.run.max_points;
      auto points = core::parse_kp_list(reply->texts.at(0), limits);
      if (points) {
        result.points = std::move(*points);
      } else {
        outcome.why = failure{name, "bad_output", points.error().to_string()};
      }
    } else {
      outcome.why = failure{name, to_string(err->code), err->message};
    }
    outcome.ok = !result.points.empty();
    outcome.points = static_cast<uint32_t>(result.points.size());
    if (outcome.ok)
      if (auto p = journal_write(st, result)) {
        // The seed counts as not extracted: a rerun extracts it again.
        spdlog::error("extractor: {}", p->to_string());
        self->quit(make_error(ec::fatal, p->to_string()));
        result.points.clear();
        return result;
      }
    self->send(st.ledger, atom::outcome_v, std::move(outcome));
    return result;
  };
  core.start(self);
  return core_stage_behavior<extractor_actor, seed_problem>(self);
}

} // namespace kpsynth
