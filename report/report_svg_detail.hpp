#pragma once

// Internal to the report's SVG charts (report_svg.cpp and
// report_svg_plots.cpp): the drawing helpers every chart shares, so that
// titles, axes and ticks look the same in all of them.

#include <cstddef>
#include <string>
#include <vector>

namespace kpsynth::quality::detail {

inline constexpr const char* axis_color = "#444";
inline constexpr const char* grid_color = "#e3e3e3";

/// Decimals that show the difference between ticks `step` apart.
int decimals_for(double step);

/// A bar's value label: as many decimals as its size warrants.
std::string value_text(double v);

/// A tick label for ticks `step` apart.
std::string tick_text(double v, double step);

/// `s` cut to about `chars` bytes (UTF-8 safe), with an ellipsis.
std::string shorten(const std::string& s, std::size_t chars);

/// Opens an `<svg class="chart">` of w x h with its title (escaped).
void open_svg(std::string& o, const std::string& title, int w, int h);

/// The axis titles: x centred under the plot, y rotated along the left.
void axis_labels(std::string& o, const std::string& x_label,
                 const std::string& y_label, double px0, double px1, double py0,
                 double py1, int h);

/// Horizontal grid lines and labels of a vertical value axis whose last
/// tick is the top of the plot area [y0, y1].
void value_axis_y(std::string& o, const std::vector<double>& ticks, double x0,
                  double x1, double y0, double y1);

} // namespace kpsynth::quality::detail
