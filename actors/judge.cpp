#include "actors/judge.hpp"

#include "actors/stage.hpp"
#include "core/llm_output.hpp"
#include "protocols/errors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

namespace kpsynth {

namespace {

using self_ptr = judge_actor::stateful_pointer<judge_state>;

/// Finishes the job if both calls are back.
void settle(self_ptr self, uint64_t job_id) {
  auto& st = self->state;
  auto i = st.jobs.find(job_id);
  if (i == st.jobs.end() || --i->second.pending > 0)
    return;
  i->second.rp.deliver(std::move(i->second.result));
  st.jobs.erase(i);
}

/// Records why this judge could not vote on the job.
void abstain(judge_state::job& j, std::string note) {
  j.result.abstained = true;
  if (!j.result.note.empty())
    j.result.note += "; ";
  j.result.note += note;
}

void pump(self_ptr self) {
  auto& st = self->state;
  while (st.credit.held > 0 && !st.tasks.empty()) {
    auto t = st.tasks.front();
    st.tasks.pop_front();
    auto i = st.jobs.find(t.job_id);
    if (i == st.jobs.end())
      continue;
    auto& item = i->second.item;
    auto stage = "judge:" + st.cfg.name;
    auto call = [&] {
      switch (t.kind) {
      case judge_state::prompt::problem:
        return render_call(*st.ctx, "judge_problem",
                           {{"problem", item.problem}}, stage, nullptr);
      case judge_state::prompt::solution:
        return render_call(
          *st.ctx, "judge_solution",
          {{"problem", item.problem},
           {"solution", item.solutions.empty() ? std::string{}
                                               : item.solutions.front().text}},
          stage, nullptr);
      default:
        return render_call(
          *st.ctx, "program_judge",
          {{"problem", item.problem}, {"program", item.program}}, stage,
          nullptr);
      }
    }();
    if (!call) {
      abstain(i->second, call.error().to_string());
      settle(self, t.job_id);
      continue;
    }
    call->deadline_ms = st.ctx->cfg.models.at(st.cfg.model).request_timeout_ms;
    st.credit.take();
    auto job_id = t.job_id;
    auto kind = t.kind;
    auto timeout = reply_timeout(call->deadline_ms);
    self->request(st.pool, timeout, atom::complete_v, std::move(*call))
      .then(
        [self, job_id, kind](llm_reply& reply) {
          auto& s = self->state;
          auto j = s.jobs.find(job_id);
          if (j == s.jobs.end())
            return;
          auto& v = j->second.result;
          v.trace.push_back(trace_of("judge:" + s.cfg.name, reply));
          if (kind == judge_state::prompt::problem) {
            auto score = core::parse_score(reply.texts.at(0));
            if (score)
              v.problem_score = score->value;
            else
              abstain(j->second, score.error().to_string());
          } else if (kind == judge_state::prompt::solution) {
            auto ok = core::parse_verdict(reply.texts.at(0));
            if (ok)
              v.solution_ok = *ok;
            else
              abstain(j->second, ok.error().to_string());
          } else {
            auto ok = core::parse_verdict(reply.texts.at(0), "program_judge");
            v.program_judged = true;
            if (ok)
              v.program_ok = *ok;
            else
              abstain(j->second, ok.error().to_string());
          }
          settle(self, job_id);
          pump(self);
        },
        [self, job_id](caf::error& err) {
          auto& s = self->state;
          if (auto j = s.jobs.find(job_id); j != s.jobs.end())
            abstain(j->second, decode_error(err).message);
          settle(self, job_id);
          pump(self);
        });
  }
  report_demand(self, st.pool, st.credit, st.tasks.size());
}

} // namespace

judge_actor::behavior_type
judge(judge_actor::stateful_pointer<judge_state> self, context_ptr ctx,
      config::judge_config cfg, model_pool_actor pool, int32_t priority) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.cfg = std::move(cfg);
  st.pool = std::move(pool);
  // The panel's position: as the last LLM stage it drains the pipeline.
  self->send(st.pool, atom::attach_v, credit_listener_actor{self}, priority);
  return {
    // Scores the problem and checks the solutions of an item.
    [=](atom::judge, item_record& item) -> caf::result<verdict> {
      auto& s = self->state;
      auto rp = self->make_response_promise<verdict>();
      auto id = s.next_job++;
      judge_state::job j;
      j.result.judge = s.cfg.name;
      j.result.model = s.cfg.model;
      j.result.weight = s.cfg.weight;
      bool with_program = !item.program.empty();
      j.item = std::move(item);
      j.rp = rp;
      j.pending = with_program ? 3 : 2;
      s.jobs.emplace(id, std::move(j));
      s.tasks.push_back({id, judge_state::prompt::problem});
      s.tasks.push_back({id, judge_state::prompt::solution});
      if (with_program)
        s.tasks.push_back({id, judge_state::prompt::program});
      pump(self);
      return rp;
    },
    [=](atom::credit, const std::string&, uint32_t n) {
      self->state.credit.granted(n);
      pump(self);
    },
  };
}

} // namespace kpsynth
