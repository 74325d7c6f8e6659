#pragma once

// Internal to the report's HTML: formatting helpers and the body of each
// section. Each part returns escaped HTML (tables, notes and inline SVG).

#include "report/report_summary.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth::quality::html {

/// "45.7%", or "n/a" for NaN.
std::string percent(double ratio);
/// "$0.12", small amounts with six decimals, or "n/a".
std::string dollars(double v);
/// 1234567 -> "1,234,567".
std::string count(uint64_t n);
/// A table; the first column is left-aligned. Cells are escaped.
std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows);
/// A muted paragraph (escaped).
std::string note(const std::string& text);
/// A headline figure.
std::string card(const std::string& label, const std::string& value,
                 const std::string& detail);
/// `<section id><h2>title</h2>body</section>`; body is already HTML.
std::string section(const std::string& id, const std::string& title,
                    const std::string& body);

std::string acceptance_part(const report_summary& s);
std::string losses_part(const report_summary& s);
std::string difficulty_part(const report_summary& s);
std::string tokens_part(const report_summary& s);
std::string latency_part(const report_summary& s);
std::string similarity_part(const report_summary& s);
std::string diversity_part(const report_summary& s);
std::string judges_part(const report_summary& s);

} // namespace kpsynth::quality::html
