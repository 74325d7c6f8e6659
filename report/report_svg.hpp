#pragma once

// Inline SVG charts for the HTML report: bar charts (optionally stacked,
// vertical or horizontal), histograms and line charts with a marked point.
// Every chart is one self-contained `<svg>` element with a title, axis
// labels with units and tick values, so the page needs no script, font or
// stylesheet from anywhere. All text goes through xml_escape: stage names,
// judge names and problem texts come from outside (LLM output, configs).
//
// Drawn elements carry classes the tests look for: `bar` for bars and
// histogram bins, `curve` for line paths, `marker` for a marked point.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kpsynth::quality {

/// Escapes text for HTML/XML content and attribute values: `& < > " '`
/// become entities, invalid UTF-8 becomes U+FFFD, and control characters
/// that XML 1.0 forbids (all below 0x20 except tab, newline and carriage
/// return) are dropped.
std::string xml_escape(std::string_view s);

/// A number for display: integers without decimals, others with up to
/// `decimals` (trailing zeros removed); "n/a" for NaN.
std::string format_number(double v, int decimals = 2);

/// One series of a bar chart.
struct bar_series {
  std::string name;
  std::string color;          ///< CSS color, e.g. "#2f6f9f".
  std::vector<double> values; ///< One per category.
};

/// A bar chart. Several series are stacked (counts that add up) or drawn
/// side by side (`stacked` false, e.g. p50 and p99).
struct bar_chart {
  std::string title;
  std::string x_label; ///< The category axis.
  std::string y_label; ///< The value axis, with unit.
  std::vector<std::string> categories;
  std::vector<bar_series> series;
  bool stacked = true;
  bool horizontal = false; ///< Categories down the left: long labels.
  bool counts = true;      ///< Whole-number values: integer ticks.
  int width = 920;
};

/// A histogram over equal bins of [lo, hi].
struct histogram_chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  double lo = 0;
  double hi = 1;
  std::vector<uint64_t> counts;
  std::string color = "#2f6f9f";
  int width = 920;
};

/// A line through (i, y[i]) with an optional marked point.
struct line_chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> y;
  std::optional<std::size_t> marker; ///< Index of the marked point.
  std::string marker_label;
  int width = 920;
};

std::string svg_bar_chart(const bar_chart& c);
std::string svg_histogram(const histogram_chart& c);
std::string svg_line_chart(const line_chart& c);

/// Tick values for an axis over [lo, hi]: steps of 1, 2 or 5 x 10^k, about
/// `target` of them, covering the range, no step below `min_step` (1 for
/// counts: no "1.5 items").
std::vector<double> nice_ticks(double lo, double hi, int target = 5,
                               double min_step = 0);

} // namespace kpsynth::quality
