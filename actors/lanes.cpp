#include "actors/lanes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace kpsynth {

const std::vector<route_field>& route_fields() {
  static const std::vector<route_field> fields = {
    {"difficulty",
     {"unknown", "easy", "medium", "hard"},
     [](const item_record& x) { return std::string{to_string(x.level)}; }},
    {"status",
     {"in_flight", "accepted", "rejected", "failed"},
     [](const item_record& x) { return std::string{to_string(x.status)}; }},
    {"combination",
     {"one_hop", "two_hop", "three_hop", "community", "cooccurrence"},
     [](const item_record& x) {
       return std::string{to_string(x.origin.kind)};
     }},
  };
  return fields;
}

const route_field* find_route_field(std::string_view name) {
  for (auto& f : route_fields())
    if (f.name == name)
      return &f;
  return nullptr;
}

namespace {

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

} // namespace

result<std::vector<lane_spec>> parse_lanes(std::string_view text,
                                           const route_field& field) {
  std::vector<lane_spec> result;
  std::set<std::string> values;
  std::set<std::string> stages;
  while (!text.empty()) {
    auto end = text.find(';');
    auto part = trim(text.substr(0, end));
    text =
      end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      return make_problem("bad_lanes",
                          fmt::format("lane '{}' is not 'value=stage'", part));
    lane_spec l{std::string{trim(part.substr(0, eq))},
                std::string{trim(part.substr(eq + 1))}};
    auto known =
      l.value == any_lane
      || std::count(field.values.begin(), field.values.end(), l.value);
    if (!known)
      return make_problem(
        "bad_lanes",
        fmt::format("'{}' is not a value of {} (values: {}, or *)", l.value,
                    field.name, fmt::join(field.values, ", ")));
    if (l.first.empty())
      return make_problem("bad_lanes",
                          fmt::format("lane '{}' names no stage", l.value));
    if (!values.insert(l.value).second)
      return make_problem("bad_lanes",
                          fmt::format("value '{}' has two lanes", l.value));
    if (!stages.insert(l.first).second)
      return make_problem("bad_lanes",
                          fmt::format("stage '{}' starts two lanes", l.first));
    result.push_back(std::move(l));
  }
  if (result.size() < 2)
    return make_problem("bad_lanes", "a route needs at least two lanes");
  if (!values.count(std::string{any_lane}))
    for (auto& v : field.values)
      if (!values.count(v))
        return make_problem(
          "bad_lanes",
          fmt::format("no lane takes {} '{}': add it or a '*' lane", field.name,
                      v));
  return result;
}

std::size_t lane_for(const std::vector<lane_spec>& lanes,
                     std::string_view value) {
  std::size_t fallback = lanes.size();
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].value == value)
      return i;
    if (lanes[i].value == any_lane)
      fallback = i;
  }
  return fallback;
}

} // namespace kpsynth
