#include "core/prompt_pack.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace kpsynth::core {

namespace {

/// Templates larger than this are almost certainly the wrong file.
constexpr size_t max_template_bytes = 256 * 1024;

/// Keys a [kinds.<name>] table may hold; anything else is a typo.
const std::set<std::string, std::less<>> kind_keys = {
  "file", "placeholders", "system", "temperature", "max_tokens"};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/// If `text[pos..]` starts a placeholder, returns its name and sets `end` to
/// the index just past the closing braces.
bool match_placeholder(std::string_view text, size_t pos, std::string& name,
                       size_t& end) {
  if (text.compare(pos, 2, "{{") != 0)
    return false;
  size_t i = pos + 2;
  while (i < text.size() && text[i] == ' ')
    ++i;
  size_t first = i;
  while (i < text.size() && is_name_char(text[i]))
    ++i;
  if (i == first || (text[first] >= '0' && text[first] <= '9'))
    return false;
  size_t last = i;
  while (i < text.size() && text[i] == ' ')
    ++i;
  if (text.compare(i, 2, "}}") != 0)
    return false;
  name.assign(text.substr(first, last - first));
  end = i + 2;
  return true;
}

size_t line_of(std::string_view text, size_t pos) {
  return 1
         + static_cast<size_t>(
           std::count(text.begin(), text.begin() + pos, '\n'));
}

std::string where_of(const std::filesystem::path& file, size_t line) {
  return file.string() + ":" + std::to_string(line);
}

std::string where_of(const std::filesystem::path& file, const toml::node& n) {
  return where_of(file, n.source().begin.line);
}

result<std::string> read_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return make_problem("missing_file", "file not found", file.string());
  auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return make_problem("unreadable_file", ec.message(), file.string());
  if (size > max_template_bytes)
    return make_problem("file_too_large",
                        "file has " + std::to_string(size)
                          + " bytes, more than a prompt template may have",
                        file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_problem("unreadable_file", "cannot open file", file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// Checks the template's header line and its placeholders against the
/// declaration in the manifest.
std::optional<problem> check_template(const prompt_kind& k) {
  auto first_line = std::string_view{k.text}.substr(0, k.text.find('\n'));
  if (!first_line.empty() && first_line.back() == '\r')
    first_line.remove_suffix(1);
  auto expected = "### Task: " + k.name;
  if (first_line != expected)
    return make_problem("bad_template",
                        "first line must be '" + expected + "', found '"
                          + std::string{first_line} + "'",
                        where_of(k.file, 1));
  std::set<std::string> declared(k.placeholders.begin(), k.placeholders.end());
  std::set<std::string> used;
  std::string name;
  for (size_t pos = 0; pos < k.text.size(); ++pos) {
    size_t end = 0;
    if (!match_placeholder(k.text, pos, name, end))
      continue;
    if (!declared.count(name))
      return make_problem("unknown_placeholder",
                          "placeholder {{" + name
                            + "}} is not declared for kind '" + k.name
                            + "' in pack.toml",
                          where_of(k.file, line_of(k.text, pos)));
    used.insert(name);
    pos = end - 1;
  }
  for (auto& p : k.placeholders)
    if (!used.count(p))
      return make_problem("missing_placeholder",
                          "template never uses required placeholder {{" + p
                            + "}}",
                          k.file.string());
  return std::nullopt;
}

/// Reads one [kinds.<name>] table into `k` (without the template text).
std::optional<problem> read_kind(const toml::table& t,
                                 const std::filesystem::path& manifest,
                                 prompt_kind& k) {
  for (auto& [key, node] : t)
    if (!kind_keys.count(key.str()))
      return make_problem("unknown_key",
                          "unknown key '" + std::string{key.str()}
                            + "' in [kinds." + k.name + "]",
                          where_of(manifest, node));
  auto here = where_of(manifest, t);
  auto file = t["file"].value<std::string>();
  if (!file || file->empty())
    return make_problem("missing_key",
                        "[kinds." + k.name + "] needs a string 'file'", here);
  k.file = manifest.parent_path() / *file;
  if (auto* ph = t.get("placeholders")) {
    auto* arr = ph->as_array();
    if (!arr)
      return make_problem("bad_type", "'placeholders' must be an array",
                          where_of(manifest, *ph));
    for (auto& el : *arr) {
      auto s = el.value<std::string>();
      auto valid = s && !s->empty() && !(s->front() >= '0' && s->front() <= '9')
                   && std::all_of(s->begin(), s->end(), is_name_char);
      if (!valid)
        return make_problem("bad_placeholder",
                            "placeholder names must be lowercase identifiers",
                            where_of(manifest, el));
      if (std::count(k.placeholders.begin(), k.placeholders.end(), *s))
        return make_problem("bad_placeholder",
                            "placeholder '" + *s + "' declared twice",
                            where_of(manifest, el));
      k.placeholders.push_back(*s);
    }
  }
  if (auto* sys = t.get("system")) {
    auto s = sys->value<std::string>();
    if (!s)
      return make_problem("bad_type", "'system' must be a string",
                          where_of(manifest, *sys));
    k.system = *s;
  }
  if (auto* temp = t.get("temperature")) {
    auto v = temp->value<double>();
    if (!v || !(*v >= 0.0 && *v <= 2.0))
      return make_problem("bad_value",
                          "'temperature' must be a number in [0, 2]",
                          where_of(manifest, *temp));
    k.sampling.temperature = *v;
  }
  if (auto* mt = t.get("max_tokens")) {
    auto v = mt->value<int64_t>();
    if (!v || *v < 1 || *v > 1'000'000)
      return make_problem("bad_value",
                          "'max_tokens' must be an integer in [1, 1000000]",
                          where_of(manifest, *mt));
    k.sampling.max_tokens = static_cast<uint32_t>(*v);
  }
  return std::nullopt;
}

} // namespace

std::vector<template_piece> split_template(std::string_view text) {
  std::vector<template_piece> result;
  std::string literal;
  std::string name;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = 0;
    if (match_placeholder(text, pos, name, end)) {
      if (!literal.empty())
        result.push_back({false, std::move(literal)});
      literal.clear();
      result.push_back({true, name});
      pos = end;
    } else {
      literal += text[pos++];
    }
  }
  if (!literal.empty())
    result.push_back({false, std::move(literal)});
  return result;
}

result<std::string>
prompt_pack::render(std::string_view kind,
                    const std::map<std::string, std::string>& values) const {
  auto* k = find(kind);
  if (!k)
    return make_problem("unknown_kind",
                        "prompt pack '" + name_ + "' has no kind '"
                          + std::string{kind} + "'",
                        "prompt " + std::string{kind});
  std::string result;
  result.reserve(k->text.size() + 256);
  for (auto& piece : k->pieces) {
    if (!piece.is_placeholder) {
      result += piece.text;
      continue;
    }
    auto v = values.find(piece.text);
    if (v == values.end())
      return make_problem("missing_value",
                          "no value for placeholder {{" + piece.text + "}}",
                          "prompt " + std::string{kind});
    result += v->second;
  }
  return result;
}

const prompt_kind* prompt_pack::find(std::string_view kind) const {
  auto i = kinds_.find(kind);
  return i == kinds_.end() ? nullptr : &i->second;
}

std::string_view prompt_pack::system_message(std::string_view kind) const {
  auto* k = find(kind);
  return k ? std::string_view{k->system} : std::string_view{};
}

sampling_defaults prompt_pack::sampling(std::string_view kind) const {
  auto* k = find(kind);
  return k ? k->sampling : sampling_defaults{};
}

std::vector<std::string> prompt_pack::kinds() const {
  std::vector<std::string> result;
  for (auto& [name, k] : kinds_)
    result.push_back(name);
  return result;
}

result<prompt_pack> load_prompt_pack(const std::filesystem::path& dir) {
  auto manifest = dir / "pack.toml";
  auto text = read_file(manifest);
  if (!text)
    return text.error();
  toml::table doc;
  try {
    doc = toml::parse(*text, manifest.string());
  } catch (const toml::parse_error& e) {
    return make_problem("bad_toml", std::string{e.description()},
                        where_of(manifest, e.source().begin.line));
  }
  prompt_pack result;
  result.dir_ = dir;
  result.name_ = dir.filename().string();
  for (auto& [key, node] : doc)
    if (key.str() != "pack" && key.str() != "kinds")
      return make_problem("unknown_key",
                          "unknown top-level key '" + std::string{key.str()}
                            + "' (expected [pack] and [kinds.*])",
                          where_of(manifest, node));
  if (auto name = doc["pack"]["name"].value<std::string>())
    result.name_ = *name;
  auto* kinds = doc["kinds"].as_table();
  if (!kinds)
    return make_problem("missing_key", "no [kinds.*] tables",
                        manifest.string());
  for (auto& [key, node] : *kinds) {
    prompt_kind k;
    k.name = std::string{key.str()};
    auto* t = node.as_table();
    if (!t)
      return make_problem("bad_type", "kinds." + k.name + " must be a table",
                          where_of(manifest, node));
    if (auto err = read_kind(*t, manifest, k))
      return *err;
    auto body = read_file(k.file);
    if (!body) {
      auto p = body.error();
      p.message += " (template of kind '" + k.name + "', named at "
                   + where_of(manifest, *t) + ")";
      return p;
    }
    k.text = std::move(*body);
    if (auto err = check_template(k))
      return *err;
    k.pieces = split_template(k.text);
    result.kinds_.emplace(k.name, std::move(k));
  }
  return result;
}

} // namespace kpsynth::core
