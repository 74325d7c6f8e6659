#include "protocols/resume.hpp"

#include "protocols/records.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <simdjson.h>

namespace kpsynth {

namespace {

/// Recounts the outcomes of the items already written.
void count_items(const std::filesystem::path& file, resume_state& st) {
  std::ifstream in{file};
  std::string line;
  uint64_t n = 0;
  auto& c = st.counters;
  while (std::getline(in, line)) {
    auto x = parse_item_line(line, fmt::format("items.jsonl:{}", ++n));
    if (!x)
      continue;
    if (x->status == item_status::accepted) {
      ++c.accepted;
      st.accepted_problems.emplace_back(x->id, x->problem);
    } else if (x->status == item_status::rejected) {
      ++c.rejected;
    } else {
      ++c.failed;
    }
  }
}

/// Recounts the seed outcomes already written.
void count_seeds(const std::filesystem::path& file, pipeline_status& c) {
  std::ifstream in{file};
  std::string line;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string padded{line};
    simdjson::dom::object obj;
    if (parser.parse(padded).get(obj) != simdjson::SUCCESS)
      continue;
    std::string_view status;
    std::string_view stage;
    int64_t points = 0;
    // Absent fields keep their defaults; the line was written by us.
    if (obj["status"].get(status) != simdjson::SUCCESS)
      continue;
    if (obj["knowledge_points"].get(points) != simdjson::SUCCESS)
      points = 0;
    simdjson::dom::object why;
    if (obj["why"].get(why) == simdjson::SUCCESS
        && why["stage"].get(stage) != simdjson::SUCCESS)
      stage = {};
    if (status == "extracted") {
      ++c.seeds_extracted;
      c.knowledge_points += static_cast<uint64_t>(points);
    } else if (stage == "read") {
      ++c.seeds_bad;
    } else {
      ++c.seeds_failed;
    }
  }
}

} // namespace

result<resume_state> scan_output_dir(const std::filesystem::path& dir) {
  std::error_code err;
  std::filesystem::create_directories(dir, err);
  if (err)
    return make_problem("io_error", "cannot create: " + err.message(),
                        dir.string());
  auto items = scan_jsonl(dir / "items.jsonl", "id");
  if (!items)
    return items.error();
  auto seeds = scan_jsonl(dir / "seeds.jsonl", "seed_id");
  if (!seeds)
    return seeds.error();
  auto journal = load_kp_journal(dir / "knowledge_points.jsonl");
  if (!journal)
    return journal.error();
  for (auto* scan : {&*items, &*seeds})
    if (scan->truncated_bytes > 0)
      spdlog::warn("cut off a torn last line ({} bytes) left by a crash",
                   scan->truncated_bytes);
  resume_state st;
  st.item_ids = std::move(items->ids);
  st.seed_ids = std::move(seeds->ids);
  st.journal = std::move(*journal);
  if (!st.item_ids.empty())
    count_items(dir / "items.jsonl", st);
  if (!st.seed_ids.empty())
    count_seeds(dir / "seeds.jsonl", st.counters);
  return st;
}

} // namespace kpsynth
