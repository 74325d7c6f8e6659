#include "actors/context.hpp"

#include "protocols/errors.hpp"

#include <fmt/format.h>

namespace kpsynth {

result<llm_call> render_call(const pipeline_context& ctx, std::string_view kind,
                             const std::map<std::string, std::string>& values,
                             std::string_view stage,
                             const config::stage_config* stage_cfg) {
  auto text = ctx.prompts.render(kind, values);
  if (!text)
    return text.error();
  llm_call call;
  call.stage = std::string{stage};
  if (auto sys = ctx.prompts.system_message(kind); !sys.empty())
    call.messages.push_back({"system", std::string{sys}});
  call.messages.push_back({"user", std::move(*text)});
  auto defaults = ctx.prompts.sampling(kind);
  call.temperature = defaults.temperature;
  call.max_tokens = defaults.max_tokens;
  if (stage_cfg != nullptr) {
    if (stage_cfg->temperature >= 0)
      call.temperature = stage_cfg->temperature;
    if (stage_cfg->max_tokens > 0)
      call.max_tokens = stage_cfg->max_tokens;
    if (auto m = ctx.cfg.models.find(stage_cfg->model);
        m != ctx.cfg.models.end())
      call.deadline_ms = m->second.request_timeout_ms;
  }
  return call;
}

std::string numbered(const std::vector<std::string>& xs) {
  std::string result;
  for (std::size_t i = 0; i < xs.size(); ++i)
    result += fmt::format("{}. {}\n", i + 1, xs[i]);
  if (!result.empty())
    result.pop_back();
  return result;
}

step_trace trace_of(std::string_view stage, const llm_reply& reply) {
  step_trace t;
  t.stage = std::string{stage};
  t.model = reply.model;
  t.endpoint = reply.endpoint;
  t.usage = reply.usage;
  t.latency_ms = reply.latency_ms;
  t.attempts = reply.attempts;
  return t;
}

void mark_failed(item_record& x, std::string_view stage, const error_info& e) {
  x.status = item_status::failed;
  x.why.stage = std::string{stage};
  x.why.code = to_string(e.code);
  x.why.reason = e.message;
}

} // namespace kpsynth
