#include "decontam/decontam_jsonl.hpp"

#include "decontam/decontam_gzip.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <simdjson.h>
#include <sstream>

namespace kpsynth::quality {

namespace {

std::string_view type_name(simdjson::dom::element_type type) {
  using simdjson::dom::element_type;
  switch (type) {
  case element_type::ARRAY:
    return "an array";
  case element_type::OBJECT:
    return "an object";
  case element_type::INT64:
  case element_type::UINT64:
  case element_type::DOUBLE:
    return "a number";
  case element_type::BOOL:
    return "a boolean";
  case element_type::NULL_VALUE:
    return "null";
  case element_type::STRING:
    return "a string";
  }
  return "an unknown value";
}

} // namespace

result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_problem(
      "io_error", std::string{"cannot open file: "} + std::strerror(errno),
      path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return make_problem("io_error", "read failed", path.string());
  std::string content = std::move(buffer).str();
  if (looks_gzipped(content))
    return gunzip(content, path.string());
  return content;
}

result<std::size_t> for_each_jsonl_text(const std::filesystem::path& path,
                                        std::span<const std::string> fields,
                                        const record_text_fn& fn) {
  auto content = read_text_file(path);
  if (!content)
    return content.error();
  return for_each_jsonl_text(*content, path.string(), fields, fn);
}

result<std::size_t> for_each_jsonl_text(std::string_view content,
                                        std::string_view where,
                                        std::span<const std::string> fields,
                                        const record_text_fn& fn) {
  if (fields.empty())
    return make_problem("bad_config", "no text fields given for JSONL file",
                        std::string{where});
  if (content.starts_with("\xEF\xBB\xBF"))
    content.remove_prefix(3);
  simdjson::dom::parser parser;
  std::string text;
  std::size_t records = 0;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos)
      end = content.size();
    auto line = content.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.ends_with('\r'))
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    auto here = std::string{where} + ":" + std::to_string(line_no);
    simdjson::dom::element doc;
    if (auto error = parser.parse(line.data(), line.size()).get(doc))
      return make_problem(
        "bad_json",
        std::string{"invalid JSON: "} + simdjson::error_message(error), here);
    simdjson::dom::object object;
    if (doc.get_object().get(object))
      return make_problem("bad_json",
                          "expected a JSON object, got "
                            + std::string{type_name(doc.type())},
                          here);
    text.clear();
    for (const auto& field : fields) {
      simdjson::dom::element value;
      if (object[field].get(value))
        return make_problem("missing_field",
                            "field \"" + field + "\" is missing", here);
      if (value.type() == simdjson::dom::element_type::NULL_VALUE)
        continue;
      std::string_view s;
      if (value.get_string().get(s))
        return make_problem("bad_field",
                            "field \"" + field + "\" is "
                              + std::string{type_name(value.type())}
                              + ", expected a string",
                            here);
      if (s.empty())
        continue;
      if (!text.empty())
        text.push_back(' ');
      text.append(s);
    }
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      return make_problem("empty_text", "no problem text in the text fields",
                          here);
    fn(line_no, text);
    ++records;
  }
  return records;
}

} // namespace kpsynth::quality
