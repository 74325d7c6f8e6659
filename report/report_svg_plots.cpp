#include "report/report_svg.hpp"
#include "report/report_svg_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kpsynth::quality {

using namespace detail;

std::string svg_histogram(const histogram_chart& c) {
  const int w = c.width;
  const int h = 320;
  double x0 = 72, x1 = w - 16, y0 = 40, y1 = h - 62;
  std::string o;
  open_svg(o, c.title, w, h);
  uint64_t most = 0;
  for (auto n : c.counts)
    most = std::max(most, n);
  auto yt =
    nice_ticks(0, std::max<double>(static_cast<double>(most), 1), 5, 1.0);
  value_axis_y(o, yt, x0, x1, y0, y1);
  auto top = yt.back();
  auto n = std::max<std::size_t>(c.counts.size(), 1);
  auto bw = (x1 - x0) / static_cast<double>(n);
  auto width = c.hi - c.lo;
  for (std::size_t i = 0; i < c.counts.size(); ++i) {
    auto v = static_cast<double>(c.counts[i]);
    auto y = y1 - v / top * (y1 - y0);
    auto a = c.lo + width * static_cast<double>(i) / static_cast<double>(n);
    auto b = c.lo + width * static_cast<double>(i + 1) / static_cast<double>(n);
    o += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" "
                     "width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>"
                     "{} to {}: {}</title></rect>",
                     x0 + bw * static_cast<double>(i) + 0.5, y,
                     std::max(bw - 1.0, 0.5), y1 - y, xml_escape(c.color),
                     format_number(a, 3), format_number(b, 3), c.counts[i]);
  }
  auto xt = nice_ticks(c.lo, c.hi, 10);
  auto step = xt.size() > 1 ? xt[1] - xt[0] : 1.0;
  for (auto t : xt) {
    if (t < c.lo - 1e-9 || t > c.hi + 1e-9)
      continue;
    auto x = x0 + (t - c.lo) / width * (x1 - x0);
    o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\"/><text x=\"{:.1f}\" "
                     "y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}"
                     "</text>",
                     x, y1, x, y1 + 5, axis_color, x, y1 + 18, axis_color,
                     tick_text(t, step));
  }
  axis_labels(o, c.x_label, c.y_label, x0, x1, y0, y1, h);
  o += "</svg>";
  return o;
}

std::string svg_line_chart(const line_chart& c) {
  const int w = c.width;
  const int h = 320;
  double x0 = 72, x1 = w - 16, y0 = 40, y1 = h - 62;
  std::string o;
  open_svg(o, c.title, w, h);
  double most = 0;
  for (auto v : c.y)
    most = std::max(most, v);
  auto yt = nice_ticks(0, std::max(most, 1e-9));
  value_axis_y(o, yt, x0, x1, y0, y1);
  auto top = yt.back();
  auto last = c.y.size() > 1 ? static_cast<double>(c.y.size() - 1) : 1.0;
  auto px = [&](std::size_t i) {
    return x0 + static_cast<double>(i) / last * (x1 - x0);
  };
  auto py = [&](double v) { return y1 - std::max(v, 0.0) / top * (y1 - y0); };
  auto xt = nice_ticks(0, last, 8, 1.0);
  auto xstep = xt.size() > 1 ? xt[1] - xt[0] : 1.0;
  for (auto t : xt) {
    if (t > last + 1e-9)
      continue;
    auto x = x0 + t / last * (x1 - x0);
    o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\"/><text x=\"{:.1f}\" "
                     "y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}"
                     "</text>",
                     x, y1, x, y1 + 5, axis_color, x, y1 + 18, axis_color,
                     tick_text(t, xstep));
  }
  if (!c.y.empty()) {
    std::string d;
    for (std::size_t i = 0; i < c.y.size(); ++i)
      d +=
        fmt::format("{}{:.1f} {:.1f}", i == 0 ? "M" : " L", px(i), py(c.y[i]));
    o += fmt::format("<path class=\"curve\" d=\"{}\" fill=\"none\" "
                     "stroke=\"#2f6f9f\" stroke-width=\"2\"/>",
                     d);
  }
  if (c.marker && *c.marker < c.y.size()) {
    auto mx = px(*c.marker);
    auto my = py(c.y[*c.marker]);
    o += fmt::format("<line class=\"marker\" x1=\"{:.1f}\" y1=\"{:.1f}\" "
                     "x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#c0392b\" "
                     "stroke-dasharray=\"5 4\"/>",
                     x0, my, x1, my);
    o += fmt::format("<circle class=\"marker\" cx=\"{:.1f}\" cy=\"{:.1f}\" "
                     "r=\"5\" fill=\"#c0392b\"/>",
                     mx, my);
    auto anchor = mx > (x0 + x1) / 2 ? "end" : "start";
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" "
                     "fill=\"#c0392b\" font-weight=\"bold\">{}</text>",
                     anchor[0] == 'e' ? mx - 8 : mx + 8, my - 8, anchor,
                     xml_escape(c.marker_label));
  }
  axis_labels(o, c.x_label, c.y_label, x0, x1, y0, y1, h);
  o += "</svg>";
  return o;
}

} // namespace kpsynth::quality
