#include "actors/decontaminator.hpp"

#include "actors/item_stage_behavior.hpp"
#include "actors/stage.hpp"
#include "core/llm_output.hpp"
#include "protocols/errors.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kpsynth {

void screen(item_record& x, const quality::decontaminator* benchmarks,
            quality::dedup_index* dedup) {
  if (x.status != item_status::in_flight)
    return;
  if (benchmarks != nullptr) {
    auto v = benchmarks->check(x.problem);
    if (v.contaminated) {
      x.status = item_status::rejected;
      x.why = {"decontam", "contaminated", v.reason};
      return;
    }
  }
  if (dedup != nullptr) {
    if (auto dup = dedup->insert_if_new(x.id, x.problem)) {
      x.status = item_status::rejected;
      x.why = {"decontam", "duplicate",
               fmt::format("near-duplicate (similarity {:.2f}) of {}",
                           dup->similarity, dup->id)};
    }
  }
}

namespace {

using self_ptr = item_stage_actor::stateful_pointer<decontaminator_state>;

void pump(self_ptr self);

// -- the benchmark index ------------------------------------------------------

/// Turns the embedded benchmark rows into the index and caches it; on any
/// problem the layer goes on without neighbours (near misses only).
void finish_index(self_ptr self) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  st.index_ready = true;
  auto built = quality::embedding_index::create(
    st.building.empty() ? 0 : st.building.front().size());
  for (std::size_t r = 0; built && r < st.building.size(); ++r) {
    auto& t = (*rs.corpus)[r];
    auto added =
      built->add(st.building[r], fmt::format("{}:{}", t.set, t.line));
    if (!added)
      built = added.error();
  }
  st.building = {};
  if (!built) {
    spdlog::warn("decontam: benchmark embeddings unusable, rephrase check "
                 "keeps MinHash near misses only: {}",
                 built.error().to_string());
    return;
  }
  st.index = std::move(*built);
  spdlog::info("decontam: embedded {} benchmark problems ({} dims)",
               st.index->size(), st.index->dims());
  if (rs.cache.empty())
    return;
  if (auto saved = quality::save_embeddings(rs.cache, rs.cache_key, *st.index);
      !saved)
    spdlog::warn("decontam: {}", saved.error().to_string());
}

/// Sends the next batches of benchmark problems to the embedding pool.
void build_index(self_ptr self) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  while (st.embeds < rs.max_embeds && st.build_next < rs.corpus->size()) {
    auto from = st.build_next;
    auto to = std::min(rs.corpus->size(), from + rs.batch);
    st.build_next = to;
    embed_call call;
    call.stage = "decontam";
    call.deadline_ms = rs.embed_deadline_ms;
    for (auto r = from; r < to; ++r)
      call.texts.push_back((*rs.corpus)[r].text);
    ++st.embeds;
    auto timeout = reply_timeout(call.deadline_ms);
    self->request(rs.embed_pool, timeout, atom::embed_v, std::move(call))
      .then(
        [self, from, to](embed_reply& reply) {
          auto& s = self->state;
          --s.embeds;
          if (s.index_ready)
            return; // Building already gave up.
          if (reply.vectors.size() != to - from) {
            spdlog::warn("decontam: embedding reply has {} vectors for {} "
                         "texts; rephrase check keeps near misses only",
                         reply.vectors.size(), to - from);
            s.index_ready = true;
          } else {
            for (std::size_t i = 0; i < reply.vectors.size(); ++i)
              s.building[from + i] = std::move(reply.vectors[i]);
            s.build_left -= to - from;
            if (s.build_left == 0)
              finish_index(self);
          }
          pump(self);
        },
        [self](caf::error& err) {
          auto& s = self->state;
          --s.embeds;
          if (!s.index_ready)
            spdlog::warn("decontam: embedding the benchmarks failed, "
                         "rephrase check keeps near misses only: {}",
                         decode_error(err).message);
          s.index_ready = true;
          s.building = {};
          pump(self);
        });
  }
}

/// Loads the cached benchmark vectors or starts embedding them.
void start_index(self_ptr self) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  if (!rs.embed_pool || !rs.corpus || rs.corpus->size() == 0)
    return;
  if (!rs.cache.empty() && std::filesystem::exists(rs.cache)) {
    auto loaded = quality::load_embeddings(rs.cache, rs.cache_key);
    if (loaded) {
      spdlog::info("decontam: {} benchmark embeddings from {}", loaded->size(),
                   rs.cache.string());
      st.index = std::move(*loaded);
      return;
    }
    spdlog::info("decontam: re-embedding the benchmarks: {}",
                 loaded.error().to_string());
  }
  st.index_ready = false;
  st.building.resize(rs.corpus->size());
  st.build_left = rs.corpus->size();
}

// -- items --------------------------------------------------------------------

/// Moves a job whose checks are all answered downstream.
void finish_job(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end() || i->second.open > 0)
    return;
  auto& x = i->second.item;
  if (!i->second.same.empty()) {
    x.status = item_status::rejected;
    x.why = {"decontam", "rephrased", std::move(i->second.same)};
    ++st.rephrased;
  }
  st.out.ready.push_back(std::move(x));
  st.jobs.erase(i);
}

/// Queues the LLM checks of a job whose candidates are known.
void schedule_checks(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto& job = st.jobs.at(id);
  job.open = static_cast<uint32_t>(job.candidates.size());
  for (std::size_t c = 0; c < job.candidates.size(); ++c)
    st.checks.emplace_back(id, c);
  finish_job(self, id);
}

/// Adds a candidate unless that benchmark problem is already one.
void add_candidate(rephrase_job& job, rephrase_candidate c) {
  for (auto& have : job.candidates)
    if (have.bench == c.bench)
      return;
  job.candidates.push_back(std::move(c));
}

/// Embeds waiting items in batches and turns their benchmark neighbours
/// into candidates.
void embed_items(self_ptr self) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  if (!st.index) {
    // No neighbours to find: the near misses are all there is.
    while (!st.to_embed.empty()) {
      auto id = st.to_embed.front();
      st.to_embed.pop_front();
      schedule_checks(self, id);
    }
    return;
  }
  while (st.embeds < rs.max_embeds && !st.to_embed.empty()) {
    std::vector<uint64_t> ids;
    embed_call call;
    call.stage = "decontam";
    call.deadline_ms = rs.embed_deadline_ms;
    while (!st.to_embed.empty() && ids.size() < rs.batch) {
      ids.push_back(st.to_embed.front());
      st.to_embed.pop_front();
      call.texts.push_back(st.jobs.at(ids.back()).item.problem);
    }
    ++st.embeds;
    auto timeout = reply_timeout(call.deadline_ms);
    self->request(rs.embed_pool, timeout, atom::embed_v, std::move(call))
      .then(
        [self, ids](embed_reply& reply) {
          auto& s = self->state;
          --s.embeds;
          if (reply.vectors.size() == ids.size()) {
            auto found = s.index->search_many(reply.vectors, s.rephrase.top_k,
                                              s.rephrase.embedding_threshold);
            for (std::size_t i = 0; i < ids.size(); ++i)
              for (auto& n : found[i])
                add_candidate(s.jobs.at(ids[i]),
                              {n.row, fmt::format("cosine {:.2f}", n.cosine)});
          } else {
            spdlog::debug("decontam: embedding reply has {} vectors for {} "
                          "items; checking near misses only",
                          reply.vectors.size(), ids.size());
          }
          for (auto id : ids)
            schedule_checks(self, id);
          pump(self);
        },
        [self, ids](caf::error& err) {
          auto& s = self->state;
          --s.embeds;
          spdlog::debug("decontam: embedding {} items failed, checking near "
                        "misses only: {}",
                        ids.size(), decode_error(err).message);
          for (auto id : ids)
            schedule_checks(self, id);
          pump(self);
        });
  }
}

/// Takes one same_problem answer; anything but a clear SAME keeps the item.
void on_answer(self_ptr self, uint64_t id, std::size_t c,
               const llm_reply* reply, const error_info* err) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  auto& job = i->second;
  --job.open;
  auto& cand = job.candidates.at(c);
  auto& bench = (*st.rephrase.corpus)[cand.bench];
  if (reply != nullptr) {
    job.item.trace.push_back(trace_of("decontam", *reply));
    auto same =
      reply->texts.empty()
        ? result<bool>{make_problem("bad_output", "no choices")}
        : core::parse_same_or_different(reply->texts.front(), "same_problem");
    if (!same)
      spdlog::debug("decontam: {} vs {}:{}: {}", job.item.id, bench.set,
                    bench.line, same.error().to_string());
    else if (*same && job.same.empty())
      job.same = fmt::format("LLM judged it the same problem as {}:{} ({})",
                             bench.set, bench.line, cand.how);
  } else if (err != nullptr) {
    spdlog::debug("decontam: {} vs {}:{}: check failed: {}", job.item.id,
                  bench.set, bench.line, err->message);
  }
  finish_job(self, id);
}

/// Starts same_problem calls with the pool credit held and states demand.
void run_checks(self_ptr self) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  while (st.credit.held > 0 && !st.checks.empty()) {
    auto [id, c] = st.checks.front();
    st.checks.pop_front();
    auto j = st.jobs.find(id);
    if (j == st.jobs.end())
      continue;
    auto& bench = (*rs.corpus)[j->second.candidates.at(c).bench];
    auto call = render_call(
      *st.ctx, "same_problem",
      {{"problem_a", j->second.item.problem}, {"problem_b", bench.text}},
      "decontam", nullptr);
    if (!call) {
      error_info e{ec::bad_output, call.error().to_string(), -1};
      on_answer(self, id, c, nullptr, &e);
      continue;
    }
    call->deadline_ms = rs.check_deadline_ms;
    st.credit.take();
    auto timeout = reply_timeout(call->deadline_ms);
    self->request(rs.check_pool, timeout, atom::complete_v, std::move(*call))
      .then(
        [self, id = id, c = c](llm_reply& reply) {
          on_answer(self, id, c, &reply, nullptr);
          pump(self);
        },
        [self, id = id, c = c](caf::error& err) {
          auto e = decode_error(err);
          on_answer(self, id, c, nullptr, &e);
          pump(self);
        });
  }
  report_demand(self, rs.check_pool, st.credit, st.checks.size());
}

/// Screens an arriving item; a clean one enters the rephrase layer.
void admit(self_ptr self, item_record x) {
  auto& st = self->state;
  auto& rs = st.rephrase;
  screen(x, st.benchmarks.get(), st.dedup.get());
  if (x.why.code == "contaminated")
    ++st.contaminated;
  else if (x.why.code == "duplicate")
    ++st.duplicates;
  if (x.status != item_status::in_flight || !rs.check_pool || !rs.corpus) {
    st.out.ready.push_back(std::move(x));
    return;
  }
  auto id = st.next_job++;
  auto& job = st.jobs[id];
  if (rs.near_misses) {
    auto v = rs.near_misses->check(x.problem);
    if (v.contaminated && v.source)
      if (auto b = rs.corpus->find(v.source->set, v.source->line))
        add_candidate(job,
                      {*b, fmt::format("minhash jaccard {:.2f}", v.jaccard)});
  }
  job.item = std::move(x);
  if (rs.embed_pool)
    st.to_embed.push_back(id);
  else
    schedule_checks(self, id);
}

void pump(self_ptr self) {
  auto& st = self->state;
  if (st.rephrase.check_pool) {
    if (!st.index_ready)
      build_index(self);
    else
      embed_items(self);
    run_checks(self);
  }
  if (auto batch = st.out.take(); !batch.empty())
    self->send(st.downstream, atom::push_v, std::move(batch));
  if (st.upstream)
    if (auto n = st.in.to_pull(st.out.ready.size() + st.jobs.size()); n > 0)
      self->send(st.upstream, atom::pull_v, n);
  if (st.in.upstream_done && st.out.ready.empty() && st.jobs.empty()
      && !st.out.done_sent) {
    st.out.done_sent = true;
    self->send(st.downstream, atom::done_v);
  }
}

} // namespace

stage_status decontaminator_state::status() const {
  stage_status s;
  s.name = spec.name;
  s.kind = spec.kind;
  s.inflight = jobs.size();
  s.ready = out.ready.size();
  s.credit = credit.held;
  s.in = in.total;
  s.out = out.sent;
  s.upstream_done = in.upstream_done;
  s.done = out.done_sent;
  return s;
}

item_stage_actor::behavior_type
decontaminator(item_stage_actor::stateful_pointer<decontaminator_state> self,
               context_ptr ctx, stage_spec spec,
               std::shared_ptr<const quality::decontaminator> benchmarks,
               std::shared_ptr<quality::dedup_index> dedup,
               consumer_actor<item_record> downstream,
               rephrase_setup rephrase) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.spec = std::move(spec);
  st.benchmarks = std::move(benchmarks);
  if (dedup)
    st.dedup = std::make_unique<quality::dedup_index>(std::move(*dedup));
  st.downstream = std::move(downstream);
  st.in.bound = st.spec.settings.queue;
  st.rephrase = std::move(rephrase);
  self->send(st.downstream, atom::attach_v, producer_actor{self});
  if (st.rephrase.check_pool) {
    self->send(st.rephrase.check_pool, atom::attach_v,
               credit_listener_actor{self}, st.spec.priority);
    start_index(self);
    pump(self);
  }
  return own_stage_behavior<item_stage_actor>(
    self, admit, pump,
    // Credit of the check pool, for same_problem calls.
    [=](atom::credit, const std::string&, uint32_t n) {
      self->state.credit.granted(n);
      pump(self);
    });
}

} // namespace kpsynth
