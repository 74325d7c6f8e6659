#pragma once

// The HTML page of `kpsynth report`: one self-contained file (inline CSS
// and SVG, no script, no external fonts, images or CDN), so it can be
// mailed, archived next to the data and opened on a machine without
// network access. Every piece of text from the run is escaped.

#include "core/result.hpp"
#include "report/report_summary.hpp"

#include <filesystem>
#include <string>

namespace kpsynth::quality {

/// The whole page for `s`.
std::string render_html(const report_summary& s);

/// Where a report was written.
struct report_files {
  std::filesystem::path html;
  std::filesystem::path json;
};

/// analyse_run + render_html + to_json, written to `html` and `json` (each
/// skipped when empty). Files are written whole to a temporary name and
/// renamed, so a reader never sees half a report.
result<report_summary> write_report(const report_config& cfg,
                                    const report_files& out);

} // namespace kpsynth::quality
