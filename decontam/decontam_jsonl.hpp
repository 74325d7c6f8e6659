#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace kpsynth::quality {

/// Reads a whole file; a gzip file (by magic bytes, whatever its name) is
/// decompressed. Errors name the path.
result<std::string> read_text_file(const std::filesystem::path& path);

/// Called once per record with its 1-based line number and its text.
using record_text_fn = std::function<void(std::size_t line, std::string_view)>;

/// Extracts the problem text of every record of a JSONL file (optionally
/// gzip-compressed) and passes it to `fn`; returns the number of records.
///
/// The text is the string values of `fields` joined by one space, which
/// covers sets that split a problem (SVAMP `Body` + `Question`). A field may
/// be null (treated as empty, e.g. OlympiadBench `context`), but a missing
/// field, a non-string value, a record without text, or a line that is not
/// a JSON object is an error whose `where` is `path:line` and whose message
/// names the field. Blank lines are skipped; a UTF-8 byte-order mark and
/// CRLF line ends are accepted.
result<std::size_t> for_each_jsonl_text(const std::filesystem::path& path,
                                        std::span<const std::string> fields,
                                        const record_text_fn& fn);

/// Same, over bytes already in memory; `where` names them in errors.
result<std::size_t> for_each_jsonl_text(std::string_view content,
                                        std::string_view where,
                                        std::span<const std::string> fields,
                                        const record_text_fn& fn);

} // namespace kpsynth::quality
