#include "graph/combination.hpp"

#include "graph/hashing.hpp"

#include <array>
#include <charconv>

namespace kpsynth::graph {

namespace {

constexpr std::array<std::string_view, 5> kind_names{
  "one_hop", "two_hop", "three_hop", "community", "cooccurrence"};

/// Parses a whole string as an unsigned integer in `base`.
std::optional<std::uint64_t> parse_u64(std::string_view s, int base) {
  std::uint64_t v = 0;
  if (s.empty())
    return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

} // namespace

std::string_view to_string(combination_kind kind) {
  return kind_names[static_cast<std::size_t>(kind)];
}

std::optional<combination_kind> parse_combination_kind(std::string_view name) {
  for (std::size_t i = 0; i < kind_names.size(); ++i)
    if (kind_names[i] == name)
      return static_cast<combination_kind>(i);
  return std::nullopt;
}

std::uint64_t combination_id(combination_kind kind,
                             std::span<const kp_id> points,
                             std::uint64_t repetition) {
  std::uint64_t h = hash_span<kp_id>(points, 0x6b7073796e7468ULL);
  h = hash_combine(h, static_cast<std::uint64_t>(kind));
  h = hash_combine(h, points.size());
  return hash_combine(h, repetition);
}

std::string sampler_cursor::to_string() const {
  std::string out = kind;
  out += '/';
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, fingerprint, 16);
  out.append(buf, r.ptr);
  out += '/';
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (i > 0)
      out += ',';
    r = std::to_chars(buf, buf + sizeof buf, state[i]);
    out.append(buf, r.ptr);
  }
  return out;
}

result<sampler_cursor> sampler_cursor::parse(std::string_view text,
                                             std::string_view where) {
  auto bad = [&](std::string msg) {
    return make_problem("bad_cursor", std::move(msg), std::string{where});
  };
  const auto s1 = text.find('/');
  const auto s2 = s1 == text.npos ? text.npos : text.find('/', s1 + 1);
  if (s2 == text.npos)
    return bad("expected kind/fingerprint/state, got '"
               + std::string{text.substr(0, 80)} + "'");
  sampler_cursor c;
  c.kind = std::string{text.substr(0, s1)};
  if (c.kind.empty())
    return bad("empty sampler kind");
  auto fp = parse_u64(text.substr(s1 + 1, s2 - s1 - 1), 16);
  if (!fp)
    return bad("fingerprint is not a hexadecimal number");
  c.fingerprint = *fp;
  auto rest = text.substr(s2 + 1);
  std::size_t index = 0;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto v = parse_u64(rest.substr(0, comma), 10);
    if (!v)
      return bad("state value " + std::to_string(index)
                 + " is not an unsigned integer");
    c.state.push_back(*v);
    ++index;
    if (comma == rest.npos)
      break;
    rest.remove_prefix(comma + 1);
    if (rest.empty())
      return bad("state ends with a comma");
  }
  return c;
}

std::optional<problem> check_cursor(const sampler_cursor& cursor,
                                    std::string_view kind,
                                    std::uint64_t fingerprint,
                                    std::size_t min_state, bool exact) {
  const auto where = "cursor " + cursor.kind;
  if (cursor.kind != kind)
    return make_problem("cursor_mismatch",
                        "cursor is for sampler '" + cursor.kind + "', not '"
                          + std::string{kind} + "'",
                        where);
  if (cursor.fingerprint != fingerprint)
    return make_problem("cursor_mismatch",
                        "cursor was taken on a different graph or with "
                        "different sampler options",
                        where);
  if (cursor.state.size() < min_state
      || (exact && cursor.state.size() != min_state))
    return make_problem("bad_cursor",
                        "cursor state has "
                          + std::to_string(cursor.state.size())
                          + " values, expected " + std::to_string(min_state),
                        where);
  return std::nullopt;
}

} // namespace kpsynth::graph
