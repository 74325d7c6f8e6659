#include "core/seeds.hpp"

#include <fmt/format.h>

#include <simdjson.h>

namespace kpsynth {

struct seed_reader::impl {
  std::filesystem::path file;
  std::ifstream in;
  uint64_t line = 0;
};

seed_reader::seed_reader() : impl_(std::make_unique<impl>()) {}
seed_reader::seed_reader(seed_reader&&) noexcept = default;
seed_reader& seed_reader::operator=(seed_reader&&) noexcept = default;
seed_reader::~seed_reader() = default;

result<seed_reader> seed_reader::open(const std::filesystem::path& file) {
  seed_reader r;
  r.impl_->file = file;
  r.impl_->in.open(file, std::ios::binary);
  if (!r.impl_->in)
    return make_problem("io_error", "cannot open seed file", file.string());
  return r;
}

uint64_t seed_reader::line() const {
  return impl_->line;
}

std::optional<result<seed_problem>> seed_reader::next() {
  std::string text;
  while (std::getline(impl_->in, text)) {
    ++impl_->line;
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos)
      continue; // Blank lines are allowed.
    auto where = fmt::format("{}:{}", impl_->file.string(), impl_->line);
    return parse_seed_line(text, where);
  }
  return std::nullopt;
}

namespace {

/// Reads a string field; absent → empty, wrong type → problem.
std::optional<problem> get_string(simdjson::dom::object& obj,
                                  std::string_view key, std::string& out,
                                  std::string_view where) {
  simdjson::dom::element el;
  if (obj[key].get(el) != simdjson::SUCCESS)
    return std::nullopt;
  std::string_view sv;
  if (el.get(sv) == simdjson::SUCCESS) {
    out.assign(sv);
    return std::nullopt;
  }
  int64_t i = 0;
  if (key == "id" && el.get(i) == simdjson::SUCCESS) {
    out = std::to_string(i); // Numeric ids are common; accept them.
    return std::nullopt;
  }
  return problem{"bad_seed", fmt::format("field '{}' must be a string", key),
                 std::string{where}};
}

} // namespace

result<seed_problem> parse_seed_line(std::string_view line,
                                     std::string_view where) {
  // A DOM parser per call keeps this function thread-safe; seeds are read
  // once per run, so the allocation does not matter.
  simdjson::dom::parser parser;
  simdjson::padded_string padded{line};
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS)
    return make_problem(
      "bad_seed",
      fmt::format("not valid JSON ({})", simdjson::error_message(err)),
      std::string{where});
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS)
    return make_problem("bad_seed", "line is not a JSON object",
                        std::string{where});
  seed_problem s;
  s.origin = std::string{where};
  for (auto [key, out] :
       {std::pair{"id", &s.id}, std::pair{"problem", &s.problem},
        std::pair{"solution", &s.solution}})
    if (auto p = get_string(obj, key, *out, where))
      return *p;
  if (s.problem.empty())
    return make_problem("bad_seed", "missing or empty field 'problem'",
                        std::string{where});
  if (s.solution.empty())
    return make_problem("bad_seed", "missing or empty field 'solution'",
                        std::string{where});
  if (s.id.empty())
    s.id = s.origin;
  return s;
}

} // namespace kpsynth
