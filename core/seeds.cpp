#include "core/seeds.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <simdjson.h>

namespace kpsynth {

namespace {

/// Where an id was first seen, and a digest of the text it stood for.
struct first_use {
  uint64_t line = 0;
  std::size_t digest = 0;
};

std::size_t digest_of(const seed_problem& s) {
  return std::hash<std::string>{}(s.problem + '\0' + s.solution);
}

enum class line_result { ok, too_long, end };

/// Reads one line into `out` without ever holding more than `max` bytes of
/// it; the rest of a longer line is skipped.
line_result read_line(std::istream& in, std::string& out, uint64_t max) {
  out.clear();
  auto* buf = in.rdbuf();
  bool any = false;
  bool too_long = false;
  for (;;) {
    auto c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      break;
    }
    any = true;
    if (c == '\n')
      break;
    if (out.size() < max)
      out.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  if (!any)
    return line_result::end;
  return too_long ? line_result::too_long : line_result::ok;
}

} // namespace

struct seed_reader::impl {
  std::filesystem::path file;
  std::ifstream in;
  uint64_t line = 0;
  uint64_t max_line_bytes = default_max_seed_line_bytes;
  bool report_duplicates = true;
  std::unordered_map<std::string, first_use> ids;
};

seed_reader::seed_reader() : impl_(std::make_unique<impl>()) {}
seed_reader::seed_reader(seed_reader&&) noexcept = default;
seed_reader& seed_reader::operator=(seed_reader&&) noexcept = default;
seed_reader::~seed_reader() = default;

result<seed_reader> seed_reader::open(const std::filesystem::path& file,
                                      uint64_t max_line_bytes,
                                      bool report_duplicates) {
  std::error_code err;
  if (std::filesystem::is_directory(file, err))
    return make_problem("io_error", "is a directory, not a seed file",
                        file.string());
  seed_reader r;
  r.impl_->file = file;
  r.impl_->max_line_bytes = max_line_bytes;
  r.impl_->report_duplicates = report_duplicates;
  r.impl_->in.open(file, std::ios::binary);
  if (!r.impl_->in)
    return make_problem("io_error", "cannot open seed file", file.string());
  return r;
}

uint64_t seed_reader::line() const {
  return impl_->line;
}

std::optional<result<seed_problem>> seed_reader::next() {
  auto& im = *impl_;
  std::string text;
  for (;;) {
    auto got = read_line(im.in, text, im.max_line_bytes);
    if (got == line_result::end)
      return std::nullopt;
    ++im.line;
    auto where = fmt::format("{}:{}", im.file.string(), im.line);
    if (got == line_result::too_long)
      return make_problem("line_too_long",
                          fmt::format("seed line longer than "
                                      "run.max_seed_line_bytes = {} bytes",
                                      im.max_line_bytes),
                          where);
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos)
      continue; // Blank lines are allowed.
    auto seed = parse_seed_line(text, where);
    if (!seed || !im.report_duplicates)
      return seed;
    auto [it, fresh] = im.ids.try_emplace(seed->id, first_use{im.line, 0});
    if (fresh) {
      it->second.digest = digest_of(*seed);
      return seed;
    }
    auto first = fmt::format("{}:{}", im.file.string(), it->second.line);
    if (it->second.digest != digest_of(*seed))
      return make_problem("duplicate_id",
                          fmt::format("seed id '{}' was already used by {} "
                                      "for a different problem; this line is "
                                      "skipped (give it an id of its own)",
                                      seed->id, first),
                          where);
    spdlog::warn("{}: seed id '{}' repeats {} with the same text; skipped",
                 where, seed->id, first);
  }
}

std::optional<problem> check_seed_file(const std::filesystem::path& file,
                                       uint64_t max_line_bytes) {
  auto reader = seed_reader::open(file, max_line_bytes, false);
  if (!reader)
    return reader.error();
  uint64_t bad = 0;
  std::optional<problem> first_bad;
  while (auto next = reader->next()) {
    if (*next)
      return std::nullopt;
    if (bad++ == 0)
      first_bad = next->error();
  }
  if (bad == 0)
    return make_problem("no_seeds",
                        fmt::format("no seed problems: {} line(s), none "
                                    "with a seed",
                                    reader->line()),
                        file.string());
  return make_problem("no_seeds",
                      fmt::format("no usable seed problem: all {} non-blank "
                                  "line(s) are malformed; the first: {}",
                                  bad, first_bad->to_string()),
                      file.string());
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
