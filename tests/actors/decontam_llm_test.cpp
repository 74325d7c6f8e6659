// The rephrase layer of the decontaminator on CAF's test_coordinator: a
// fake pool embeds texts as hashed bags of words and answers same_problem
// from the test, so that which item is a rephrased benchmark problem, and
// what the LLM says about it, is known exactly.

#include "actors/decontaminator.hpp"
#include "core/prompt_pack.hpp"
#include "tests/fixtures/actor_system.hpp"
#include "tests/fixtures/stage_probes.hpp"
#include "tests/fixtures/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cctype>

namespace kpsynth {
namespace {

using fixtures::consumer_log;
using fixtures::feeder_log;
using fixtures::pool_log;
using fixtures::prompt_kind;

constexpr auto train_bench = "A train travels 120 miles in 2 hours. What is "
                             "its average speed in miles per hour?";
constexpr auto train_rephrased = "What is the average speed, in miles per "
                                 "hour, of a train that travels 120 miles in "
                                 "2 hours?";
constexpr auto unrelated = "Find the sum of the roots of x squared minus 5 x "
                           "plus 6 equals 0.";

/// A bag of lower-cased words hashed into 256 dimensions: texts with the
/// same words in another order embed alike, unrelated ones do not.
std::vector<float> bag_of_words(std::string_view text) {
  std::vector<float> v(256, 0.0f);
  std::string word;
  auto flush = [&] {
    if (word.empty())
      return;
    uint32_t h = 2166136261u;
    for (char c : word)
      h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    v[h % v.size()] += 1.0f;
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else
      flush();
  }
  flush();
  return v;
}

struct embed_log {
  bool hold = false; ///< Park embedding calls until `retry`.
  bool fail = false; ///< Answer embedding calls with an error.
  uint32_t calls = 0;
  std::size_t texts = 0;
};

struct embed_pool_state {
  std::shared_ptr<pool_log> log;
  std::shared_ptr<embed_log> elog;
  std::vector<std::pair<caf::typed_response_promise<embed_reply>, embed_call>>
    held;
  static inline const char* name = "embed_pool";
};

caf::result<embed_reply> embed_answer(const embed_log& lg,
                                      const embed_call& call) {
  if (lg.fail)
    return make_error(ec::fatal, "fake: embedding endpoint down");
  embed_reply r;
  for (auto& t : call.texts)
    r.vectors.push_back(bag_of_words(t));
  return r;
}

/// The fake pool of stage_probes.hpp, plus embeddings.
model_pool_actor::behavior_type
embed_pool(model_pool_actor::stateful_pointer<embed_pool_state> self,
           std::shared_ptr<pool_log> log, std::shared_ptr<embed_log> elog) {
  self->state.log = std::move(log);
  self->state.elog = std::move(elog);
  return {
    [=](atom::complete, llm_call& call) -> caf::result<llm_reply> {
      auto& lg = *self->state.log;
      ++lg.calls[prompt_kind(call)];
      auto a = lg.answer(call);
      if (auto* err = std::get_if<caf::error>(&a))
        return std::move(*err);
      llm_reply r;
      r.texts = std::get<0>(a);
      r.model = lg.name;
      r.usage = {100, 1};
      return r;
    },
    [=](atom::embed, embed_call& call) -> caf::result<embed_reply> {
      auto& st = self->state;
      ++st.elog->calls;
      st.elog->texts += call.texts.size();
      if (!st.elog->hold)
        return embed_answer(*st.elog, call);
      auto rp = self->make_response_promise<embed_reply>();
      st.held.emplace_back(rp, std::move(call));
      return rp;
    },
    [=](atom::attach, credit_listener_actor&, int32_t) {},
    [=](atom::demand, credit_listener_actor& x, uint32_t wanted) {
      if (wanted > 0)
        self->send(x, atom::credit_v, self->state.log->name, wanted);
    },
    [=](atom::release, credit_listener_actor&, uint32_t) {},
    [=](atom::status) -> std::vector<endpoint_status> { return {}; },
    [=](atom::capacity, uint32_t, uint32_t, uint32_t, bool) {},
    [=](atom::retry, uint64_t) {
      auto& st = self->state;
      auto held = std::move(st.held);
      st.held.clear();
      for (auto& [rp, call] : held) {
        embed_reply r;
        for (auto& t : call.texts)
          r.vectors.push_back(bag_of_words(t));
        rp.deliver(std::move(r));
      }
    },
  };
}

fixtures::canned_answer answer_with(std::string text) {
  return std::vector<std::string>{std::move(text)};
}

item_record problem_item(int i, std::string problem) {
  item_record x;
  x.id = "item-" + std::to_string(i);
  x.origin.id = x.id;
  x.problem = std::move(problem);
  return x;
}

struct decontam_fixture : fixtures::deterministic_actor_system {
  fixtures::temp_dir dir{"decontam_llm"};
  context_ptr ctx;
  std::shared_ptr<pool_log> plog = std::make_shared<pool_log>();
  std::shared_ptr<embed_log> elog = std::make_shared<embed_log>();
  std::shared_ptr<consumer_log> out = std::make_shared<consumer_log>();
  std::shared_ptr<feeder_log> in = std::make_shared<feeder_log>();
  std::shared_ptr<quality::benchmark_corpus> corpus =
    std::make_shared<quality::benchmark_corpus>();
  std::shared_ptr<quality::decontaminator> benchmarks;
  model_pool_actor pool;
  fixtures::feeder_actor source;

  decontam_fixture() {
    auto pack = core::load_prompt_pack(std::filesystem::path{KPSYNTH_SOURCE_DIR}
                                       / "prompts" / "math");
    REQUIRE(pack);
    config::kpsynth_config cfg;
    config::stage_config s;
    s.model = "m";
    s.queue = 4;
    cfg.stages["generate"] = s;
    cfg.run.output_dir = dir.path();
    ctx = std::make_shared<const pipeline_context>(
      pipeline_context{std::move(cfg), std::move(*pack)});
    auto idx = quality::decontaminator::create();
    REQUIRE(idx);
    benchmarks = std::make_shared<quality::decontaminator>(std::move(*idx));
    add_bench("math_test", 5, train_bench);
    add_bench("math_test", 9, "How many positive divisors does 36 have?");
    add_bench("gsm8k_test", 2,
              "Tom has 3 apples and buys 4 more. How many "
              "apples does he have now?");
    plog->answer = [](const llm_call&) { return answer_with("SAME"); };
    pool = spawn(embed_pool, plog, elog);
  }

  void add_bench(std::string set, std::size_t line, std::string text) {
    benchmarks->add(set, line, text);
    corpus->add(std::move(set), line, std::move(text));
  }

  rephrase_setup setup(bool embeddings = true) const {
    rephrase_setup rs;
    rs.check_pool = pool;
    if (embeddings)
      rs.embed_pool = pool;
    rs.corpus = corpus;
    rs.cache = dir.path() / "emb.bin";
    rs.cache_key = {"fake", 1, corpus->size()};
    rs.embedding_threshold = 0.8f;
    rs.batch = 2; // Several batches even for three problems.
    return rs;
  }

  /// feeder -> decontaminator -> probe pulling `pull`.
  void wire(rephrase_setup rs, uint32_t pull = 100) {
    auto probe = spawn(fixtures::consumer_probe, out, pull);
    auto dc = spawn(
      decontaminator, ctx,
      stage_spec{"decontam", "decontam", ctx->cfg.stages.at("generate"), {}, 1},
      std::shared_ptr<const quality::decontaminator>{benchmarks},
      std::shared_ptr<quality::dedup_index>{},
      consumer_actor<item_record>{probe}, std::move(rs));
    source = spawn(fixtures::feeder, consumer_actor<item_record>{dc}, in);
    run();
  }

  void feed(std::vector<item_record> xs, bool last = true) {
    self->send(source, atom::push_v, std::move(xs));
    if (last)
      self->send(source, atom::done_v);
    run();
  }

  const item_record& item(const std::string& id) const {
    for (auto& x : out->items)
      if (x.id == id)
        return x;
    FAIL("no item " << id);
    return out->items.front();
  }
};

TEST_CASE_METHOD(decontam_fixture,
                 "a rephrased benchmark problem judged SAME is rejected",
                 "[decontam][rephrase]") {
  // The screen alone lets the rephrasing through: that is the gap.
  auto copy = problem_item(0, train_rephrased);
  screen(copy, benchmarks.get(), nullptr);
  REQUIRE(copy.status == item_status::in_flight);
  wire(setup());
  feed({problem_item(1, train_rephrased), problem_item(2, unrelated)});
  REQUIRE(out->items.size() == 2);
  CHECK(out->dones == 1);
  auto& x = item("item-1");
  CHECK(x.status == item_status::rejected);
  CHECK(x.why.stage == "decontam");
  CHECK(x.why.code == "rephrased");
  CHECK(x.why.reason.find("LLM judged it the same problem as math_test:5 "
                          "(cosine 0.")
        != std::string::npos);
  CHECK(x.trace.size() == 1);
  // The unrelated problem has no neighbour and costs no LLM call.
  CHECK(item("item-2").status == item_status::in_flight);
  CHECK(item("item-2").trace.empty());
  CHECK(plog->calls["same_problem"] == 1);
  // Three benchmark problems in batches of two, then the two items.
  CHECK(elog->calls == 3);
  CHECK(elog->texts == 5);
  CHECK(std::filesystem::exists(dir.path() / "emb.bin"));
}

TEST_CASE_METHOD(decontam_fixture, "DIFFERENT keeps the item",
                 "[decontam][rephrase]") {
  plog->answer = [](const llm_call&) {
    return answer_with("Other numbers.\nDIFFERENT");
  };
  wire(setup());
  feed({problem_item(1, train_rephrased)});
  REQUIRE(out->items.size() == 1);
  CHECK(out->items[0].status == item_status::in_flight);
  CHECK(out->items[0].why.code.empty());
  CHECK(plog->calls["same_problem"] == 1);
}

TEST_CASE_METHOD(decontam_fixture, "failed or unreadable checks keep the item",
                 "[decontam][rephrase]") {
  SECTION("call error") {
    plog->answer = [](const llm_call&) -> fixtures::canned_answer {
      return make_error(ec::fatal, "fake: HTTP 500");
    };
  }
  SECTION("no verdict in the answer") {
    plog->answer = [](const llm_call&) { return answer_with("Hard to say."); };
  }
  wire(setup());
  feed({problem_item(1, train_rephrased), problem_item(2, unrelated)});
  REQUIRE(out->items.size() == 2);
  CHECK(out->dones == 1);
  for (auto& x : out->items)
    CHECK(x.status == item_status::in_flight);
  CHECK(plog->calls["same_problem"] == 1);
}

TEST_CASE_METHOD(decontam_fixture,
                 "items wait, bounded, while the benchmarks are embedded",
                 "[decontam][rephrase]") {
  elog->hold = true;
  wire(setup());
  std::vector<item_record> xs;
  for (int i = 0; i < 10; ++i)
    xs.push_back(
      problem_item(i, i == 0 ? std::string{train_bench}
                             : fmt::format("{} ({} times)", unrelated, i)));
  feed(std::move(xs));
  // The verbatim copy is rejected by the screen and goes on; the clean
  // items wait for the index, and no more than the bound (4) of them.
  REQUIRE(out->items.size() == 1);
  CHECK(in->sent - out->items.size() == 4);
  CHECK(in->pulled == in->sent);
  CHECK(out->items[0].why.code == "contaminated");
  CHECK(plog->calls["same_problem"] == 0);
  CHECK(out->dones == 0);
  // Release the benchmark batches, then the item batches they unblock.
  elog->hold = false;
  self->send(pool, atom::retry_v, uint64_t{0});
  run();
  CHECK(out->items.size() == 10);
  CHECK(out->dones == 1);
  CHECK(in->sent == 10);
  CHECK(in->pulled <= 10 + 4);
}

TEST_CASE_METHOD(decontam_fixture, "a restart loads the cached embeddings",
                 "[decontam][rephrase]") {
  auto cache = quality::embedding_index::create(256);
  REQUIRE(cache);
  // Rows in corpus order; the cache decides, so make it distinguishable:
  // every benchmark row is the train problem's vector.
  for (std::size_t r = 0; r < corpus->size(); ++r)
    REQUIRE(cache->add(bag_of_words(train_bench), "test"));
  auto rs = setup();
  REQUIRE(quality::save_embeddings(rs.cache, rs.cache_key, *cache));
  wire(rs);
  feed({problem_item(1, train_rephrased)});
  REQUIRE(out->items.size() == 1);
  CHECK(out->items[0].why.code == "rephrased");
  // Only the item was embedded, and all three rows were neighbours.
  CHECK(elog->calls == 1);
  CHECK(plog->calls["same_problem"] == 3);
}

TEST_CASE_METHOD(decontam_fixture,
                 "without embeddings the layer still checks near misses",
                 "[decontam][rephrase]") {
  SECTION("embedding endpoint down") {
    elog->fail = true;
  }
  SECTION("no embedding model") {}
  auto near = quality::decontam_config{};
  near.use_ngrams = false;
  near.minhash.threshold = 0.5;
  auto idx = quality::decontaminator::create(near);
  REQUIRE(idx);
  for (std::size_t r = 0; r < corpus->size(); ++r)
    idx->add((*corpus)[r].set, (*corpus)[r].line, (*corpus)[r].text);
  auto rs = setup(elog->fail);
  rs.near_misses =
    std::make_shared<const quality::decontaminator>(std::move(*idx));
  wire(rs);
  // The rephrasing shares shingles with its source: MinHash Jaccard ~0.62,
  // under the screen's 0.7 but within the band. Another vehicle with other
  // numbers (~0.43) is below the band and costs no call.
  auto bus = "A bus travels 150 miles in 3 hours. What is the average speed "
             "of the bus in miles per hour?";
  feed({problem_item(1, train_rephrased), problem_item(2, bus)});
  REQUIRE(out->items.size() == 2);
  CHECK(item("item-1").why.code == "rephrased");
  CHECK(item("item-1").why.reason.find("math_test:5 (minhash jaccard 0.6")
        != std::string::npos);
  CHECK(item("item-2").status == item_status::in_flight);
  CHECK(plog->calls["same_problem"] == 1);
}

} // namespace
} // namespace kpsynth
