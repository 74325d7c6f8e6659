#include "actors/control.hpp"

#include "actors/judge.hpp"
#include "actors/pipeline.hpp"
#include "core/json.hpp"
#include "net/http_server.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace kpsynth {

bool authorized(std::string_view authorization, std::string_view token) {
  constexpr std::string_view prefix = "Bearer ";
  if (token.empty() || authorization.substr(0, prefix.size()) != prefix)
    return false;
  auto given = authorization.substr(prefix.size());
  // Compare every byte whatever the first difference, so that response
  // timing says nothing about the token.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |=
      static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

namespace {

/// A problem unless every member of `obj` is one of `known`: a misspelt
/// field must not fall back to a default in a running job.
std::optional<problem>
only_known_fields(const core::json_value& obj,
                  std::initializer_list<std::string_view> known) {
  auto members = obj.as_object();
  if (!members)
    return members.error();
  for (auto m : *members)
    if (std::find(known.begin(), known.end(), m.key) == known.end())
      return obj.error(fmt::format("unknown field '{}'", m.key));
  return std::nullopt;
}

/// One judge of a PUT /v1/panel body.
result<config::judge_config> parse_judge(const core::json_value& j,
                                         const std::set<std::string>& models) {
  if (auto p = only_known_fields(j, {"name", "model", "weight"}))
    return *p;
  config::judge_config x;
  auto model = j.get_string("model");
  if (!model)
    return model.error();
  x.model = std::string{*model};
  if (!models.count(x.model))
    return j.error(fmt::format("unknown model '{}': the job has no such "
                               "model pool",
                               x.model));
  auto name = j.get_string_or("name", x.model);
  if (!name)
    return name.error();
  x.name = std::string{*name};
  auto weight = j.get_double_or("weight", 1.0);
  if (!weight)
    return weight.error();
  if (!(*weight > 0 && std::isfinite(*weight)))
    return j.error("weight must be a positive finite number");
  x.weight = *weight;
  return x;
}

} // namespace

result<std::vector<config::judge_config>>
parse_panel(std::string_view body, const std::set<std::string>& models) {
  core::json_parser parser;
  auto doc = parser.parse(body, "PUT /v1/panel");
  if (!doc)
    return doc.error();
  if (auto p = only_known_fields(*doc, {"judges"}))
    return *p;
  auto judges = doc->at("judges");
  if (!judges)
    return judges.error();
  auto arr = judges->as_array();
  if (!arr)
    return arr.error();
  std::vector<config::judge_config> result;
  for (auto j : *arr) {
    auto x = parse_judge(j, models);
    if (!x)
      return x.error();
    for (auto& earlier : result)
      if (earlier.name == x->name)
        return j.error(fmt::format("judge name '{}' is used twice; give each "
                                   "judge its own name",
                                   x->name));
    result.push_back(std::move(*x));
  }
  if (result.empty())
    return make_problem("bad_request", "the panel needs at least one judge",
                        "PUT /v1/panel: judges");
  return result;
}

namespace {

using self_ptr = control_actor::stateful_pointer<control_state>;

void reply(const control_request& req, int status, std::string body) {
  req.writer->respond(status, "application/json", std::move(body));
}

void reply_error(const control_request& req, int status,
                 std::string_view message) {
  core::json_writer w;
  w.begin_object().key("error").string(message).end_object();
  reply(req, status, w.take());
}

std::string panel_json(const std::vector<config::judge_config>& judges) {
  core::json_writer w;
  w.begin_object().key("judges").begin_array();
  for (auto& j : judges)
    w.begin_object()
      .key("name")
      .string(j.name)
      .key("model")
      .string(j.model)
      .key("weight")
      .number(j.weight)
      .end_object();
  w.end_array().end_object();
  return w.take();
}

/// What GET /v1/status gathers from the sink, the pools and the stages.
struct status_parts {
  pipeline_status status;
  std::vector<stage_status> stages;
  std::size_t pending = 0;
};

void write_stage(core::json_writer& w, const stage_status& x) {
  w.begin_object();
  w.key("name").string(x.name);
  w.key("kind").string(x.kind);
  w.key("queued").number(x.queued);
  w.key("inflight").number(x.inflight);
  w.key("ready").number(x.ready);
  w.key("credit").number(x.credit);
  w.key("in").number(x.in);
  w.key("out").number(x.out);
  w.key("failed").number(x.failed);
  w.key("upstream_done").boolean(x.upstream_done);
  w.key("done").boolean(x.done);
  w.end_object();
}

void write_endpoint(core::json_writer& w, const endpoint_status& e) {
  w.begin_object();
  w.key("model").string(e.model);
  w.key("url").string(e.url);
  w.key("limit").number(e.limit);
  w.key("inflight").number(e.inflight);
  w.key("healthy").boolean(e.healthy);
  w.key("completed").number(e.completed);
  w.key("failed").number(e.failed);
  w.key("server_running").number(e.server_running);
  w.key("server_waiting").number(e.server_waiting);
  w.end_object();
}

std::string status_json(const status_parts& a) {
  auto& s = a.status;
  core::json_writer w;
  w.begin_object();
  w.key("done").boolean(s.done);
  if (!s.error.empty())
    w.key("error").string(s.error);
  w.key("seeds").begin_object();
  w.key("extracted").number(s.seeds_extracted);
  w.key("failed").number(s.seeds_failed);
  w.key("malformed").number(s.seeds_bad);
  w.end_object();
  w.key("knowledge_points").number(s.knowledge_points);
  w.key("items").begin_object();
  w.key("accepted").number(s.accepted);
  w.key("rejected").number(s.rejected);
  w.key("failed").number(s.failed);
  w.end_object();
  w.key("tokens").begin_object();
  w.key("prompt").number(s.prompt_tokens);
  w.key("completion").number(s.completion_tokens);
  w.end_object();
  w.key("stages").begin_array();
  for (auto& x : a.stages)
    write_stage(w, x);
  w.end_array();
  w.key("endpoints").begin_array();
  for (auto& e : s.endpoints)
    write_endpoint(w, e);
  w.end_array().end_object();
  return w.take();
}

/// Asks the sink, every pool and every stage, each with a deadline, so
/// that one slow component cannot hang the answer; a stage that did not
/// answer is listed by name with no numbers.
void status(self_ptr self, const control_request& req) {
  auto& t = self->state.targets;
  auto a = std::make_shared<status_parts>();
  a->pending = 1 + t.pools.size() + t.stages.size();
  for (auto& [name, h] : t.stages)
    a->stages.push_back(stage_status{name});
  auto finish = [a, req] {
    if (--a->pending == 0)
      reply(req, 200, status_json(*a));
  };
  auto timeout = std::chrono::seconds{5};
  self->request(t.sink, timeout, atom::status_v)
    .then(
      [a, finish](pipeline_status& s) {
        auto eps = std::move(a->status.endpoints);
        a->status = std::move(s);
        a->status.endpoints = std::move(eps);
        finish();
      },
      [finish](caf::error&) { finish(); });
  for (auto& [name, pool] : t.pools)
    self->request(pool, timeout, atom::status_v)
      .then(
        [a, finish](std::vector<endpoint_status>& xs) {
          for (auto& x : xs)
            a->status.endpoints.push_back(std::move(x));
          finish();
        },
        [finish](caf::error&) { finish(); });
  for (std::size_t i = 0; i < t.stages.size(); ++i)
    self->request(t.stages[i].second, timeout, atom::status_v)
      .then(
        [a, finish, i](stage_status& x) {
          a->stages[i] = std::move(x);
          finish();
        },
        [finish](caf::error&) { finish(); });
}

void set_panel(self_ptr self, const control_request& req) {
  auto& st = self->state;
  std::set<std::string> models;
  for (auto& [name, pool] : st.targets.pools)
    models.insert(name);
  auto judges = parse_panel(req.body, models);
  if (!judges) {
    reply_error(req, 400, judges.error().to_string());
    return;
  }
  std::vector<panel_member> members;
  for (auto& j : *judges) {
    // Linked, so that the judges end with the job.
    auto h =
      self->spawn<caf::linked>(judge, st.ctx, j, st.targets.pools.at(j.model),
                               st.targets.judge_priority);
    members.push_back(panel_member{j.name, h, j.weight});
  }
  auto accepted = *judges;
  self
    ->request(st.targets.panel, std::chrono::seconds{10}, atom::panel_v,
              std::move(members))
    .then(
      [self, req, accepted](uint32_t) {
        self->state.judges = accepted;
        spdlog::info("control: judge panel replaced ({} judge(s))",
                     accepted.size());
        reply(req, 200, panel_json(accepted));
      },
      [req](caf::error& err) { reply_error(req, 503, caf::to_string(err)); });
}

} // namespace

control_targets control_targets_of(const pipeline& p) {
  control_targets t{p.pools, p.sink, p.panel, p.judge_priority, {}};
  for (auto& s : p.stages)
    if (s.handle)
      t.stages.emplace_back(s.name,
                            caf::actor_cast<stage_status_actor>(s.handle));
  return t;
}

control_actor::behavior_type
control(control_actor::stateful_pointer<control_state> self, context_ptr ctx,
        std::string token, control_targets targets,
        std::function<void()> stop) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.token = std::move(token);
  st.targets = std::move(targets);
  st.judges = st.ctx->cfg.panel;
  st.stop = std::move(stop);
  return {
    // Answers one control API request.
    [=](atom::status, const control_request& req) {
      auto& s = self->state;
      if (!authorized(req.authorization, s.token)) {
        reply_error(req, 401, "missing or wrong bearer token");
        return;
      }
      if (req.path == "/v1/status" && req.method == "GET") {
        status(self, req);
      } else if (req.path == "/v1/panel" && req.method == "GET") {
        reply(req, 200, panel_json(s.judges));
      } else if (req.path == "/v1/panel" && req.method == "PUT") {
        set_panel(self, req);
      } else if (req.path == "/v1/stop" && req.method == "POST") {
        reply(req, 202, R"({"stopping":true})");
        if (s.stop)
          s.stop();
      } else if (req.path == "/v1/status" || req.path == "/v1/panel"
                 || req.path == "/v1/stop") {
        reply_error(req, 405, "method not allowed");
      } else {
        reply_error(req, 404, "no such resource");
      }
    },
  };
}

} // namespace kpsynth
