#pragma once

// A prompt pack: one template file per prompt kind plus a manifest
// (pack.toml) that names each kind's file, the placeholders the template must
// use, an optional system message and default sampling. Packs are validated
// completely at start-up so that a typo in a template fails the daemon before
// the first LLM call, not hours into a run.

#include "core/result.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::core {

/// Sampling defaults of one prompt kind; stages may override them.
struct sampling_defaults {
  double temperature = 0.7;
  uint32_t max_tokens = 1024;
};

/// One piece of a parsed template: literal text or a placeholder name.
/// Templates are split once at load time so rendering is a single pass and
/// never re-expands `{{` that appears inside inserted values.
struct template_piece {
  bool is_placeholder = false;
  std::string text; ///< Literal text, or the placeholder's name.
};

/// One prompt kind as loaded from the pack.
struct prompt_kind {
  std::string name;
  std::filesystem::path file;            ///< Absolute path of the template.
  std::vector<std::string> placeholders; ///< Required, as declared.
  std::string system;                    ///< Empty: no system message.
  sampling_defaults sampling;
  std::string text;                   ///< The raw template.
  std::vector<template_piece> pieces; ///< `text`, split for rendering.
};

/// A loaded and validated prompt pack. Which kinds a pack must define, and
/// which values their placeholders may name, depends on the stages that
/// send them: the stage registry checks that (check_prompts), not the pack.
/// Cheap to copy around by const reference; immutable after loading.
class prompt_pack {
 public:
  /// Renders `kind` with `values` inserted verbatim. Fails if the kind is
  /// unknown or a placeholder has no value; extra values are ignored.
  result<std::string>
  render(std::string_view kind,
         const std::map<std::string, std::string>& values) const;

  /// The kind's definition, or nullptr if the pack has no such kind.
  const prompt_kind* find(std::string_view kind) const;

  /// The kind's system message; empty if it has none or the kind is unknown.
  std::string_view system_message(std::string_view kind) const;

  /// The kind's sampling defaults; built-in defaults if the kind is unknown.
  sampling_defaults sampling(std::string_view kind) const;

  /// Names of all kinds in this pack, sorted.
  std::vector<std::string> kinds() const;

  /// Name given in the manifest's [pack] table (the directory name if none).
  const std::string& name() const { return name_; }

  /// Directory the pack was loaded from.
  const std::filesystem::path& dir() const { return dir_; }

 private:
  friend result<prompt_pack> load_prompt_pack(const std::filesystem::path&);

  std::string name_;
  std::filesystem::path dir_;
  std::map<std::string, prompt_kind, std::less<>> kinds_;
};

/// Loads `dir/pack.toml` and every template it names. Errors name the file
/// and, for TOML and template problems, the line: a TOML syntax error, a
/// missing or unreadable template, a template whose first line is not
/// `### Task: <kind>`, a template missing a declared placeholder or using
/// an undeclared one.
result<prompt_pack> load_prompt_pack(const std::filesystem::path& dir);

/// Splits a template into literal and placeholder pieces. A placeholder is
/// `{{name}}` (spaces allowed inside the braces) with `name` made of
/// lowercase letters, digits and underscores; any other `{{` is literal text,
/// which keeps LaTeX such as `\frac{{a}+1}{2}` usable in templates.
std::vector<template_piece> split_template(std::string_view text);

} // namespace kpsynth::core
