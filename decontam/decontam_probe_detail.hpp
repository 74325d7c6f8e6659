#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Helpers shared by the probe edits (decontam_probe*.cpp); not part of the
/// public API.
namespace kpsynth::quality::detail {

/// Marks the bytes inside `$..$`, `$$..$$`, `\(..\)`, `\[..\]` and
/// `[asy]..[/asy]`, where word edits would corrupt a formula or code.
std::vector<bool> math_mask(std::string_view text);

/// The sentences of a text: split after `.`, `?` or `!` outside math when a
/// space and a capital letter or `$` follow. Views into `text`.
std::vector<std::string_view> sentences(std::string_view text);

std::optional<std::string> vary_whitespace(std::string_view text,
                                           std::size_t variant);
std::optional<std::string> respace_latex(std::string_view text,
                                         std::size_t variant);
std::optional<std::string> change_delimiters(std::string_view text);
std::optional<std::string> prefix_sentence(std::string_view text,
                                           std::size_t variant);
std::optional<std::string> drop_last_sentence(std::string_view text);

} // namespace kpsynth::quality::detail
