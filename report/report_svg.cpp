#include "report/report_svg.hpp"

#include "core/json.hpp"
#include "report/report_svg_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace kpsynth::quality {

std::string xml_escape(std::string_view raw) {
  auto s = core::sanitize_utf8(raw);
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
        break; // not allowed in XML 1.0
      if (c == 0x7f)
        break;
      out += ch;
    }
  }
  return out;
}

std::string format_number(double v, int decimals) {
  if (std::isnan(v))
    return "n/a";
  if (std::abs(v - std::round(v)) < 1e-9 && std::abs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(std::llround(v)));
  auto s = fmt::format("{:.{}f}", v, decimals);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0')
      s.pop_back();
    if (!s.empty() && s.back() == '.')
      s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::vector<double> nice_ticks(double lo, double hi, int target,
                               double min_step) {
  if (!(hi > lo))
    hi = lo + 1;
  auto raw = (hi - lo) / std::max(1, target);
  auto mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  step = std::max(step, min_step);
  std::vector<double> ticks;
  auto first = std::floor(lo / step + 1e-9) * step;
  for (auto t = first; t < hi + step * 0.999; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  if (ticks.size() < 2)
    ticks.push_back(first + step);
  return ticks;
}

namespace detail {

/// Decimals that show the difference between ticks `step` apart.
int decimals_for(double step) {
  return step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
}

/// A bar's value label: as many decimals as its size warrants.
std::string value_text(double v) {
  auto a = std::abs(v);
  return format_number(v, a >= 100 ? 0 : (a >= 10 ? 1 : 2));
}

std::string tick_text(double v, double step) {
  return format_number(v, std::max(decimals_for(step), 0));
}

/// `s` cut to about `chars` characters (UTF-8 safe), with an ellipsis.
std::string shorten(const std::string& s, std::size_t chars) {
  if (s.size() <= chars)
    return s;
  return std::string{core::utf8_prefix(s, chars > 1 ? chars - 1 : 1)}
         + "\xE2\x80\xA6";
}

void open_svg(std::string& o, const std::string& title, int w, int h) {
  o += fmt::format(
    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{}\" "
    "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" "
    "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
    w, h, w, h, xml_escape(title));
  o += fmt::format("<title>{}</title>", xml_escape(title));
  o += fmt::format("<text x=\"8\" y=\"20\" font-size=\"14\" "
                   "font-weight=\"bold\" fill=\"#222\">{}</text>",
                   xml_escape(title));
}

void axis_labels(std::string& o, const std::string& x_label,
                 const std::string& y_label, double px0, double px1, double py0,
                 double py1, int h) {
  o += fmt::format("<text class=\"axis-label\" x=\"{:.1f}\" y=\"{}\" "
                   "text-anchor=\"middle\" fill=\"#222\">{}</text>",
                   (px0 + px1) / 2, h - 8, xml_escape(x_label));
  o += fmt::format("<text class=\"axis-label\" transform=\"translate(16 "
                   "{:.1f}) rotate(-90)\" text-anchor=\"middle\" "
                   "fill=\"#222\">{}</text>",
                   (py0 + py1) / 2, xml_escape(y_label));
}

/// Horizontal grid lines and labels of a vertical value axis.
void value_axis_y(std::string& o, const std::vector<double>& ticks, double x0,
                  double x1, double y0, double y1) {
  auto top = ticks.back();
  auto step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
  for (auto t : ticks) {
    auto y = y1 - (t / top) * (y1 - y0);
    o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\"/>",
                     x0, y, x1, y, grid_color);
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" "
                     "fill=\"{}\">{}</text>",
                     x0 - 6, y + 4, axis_color, tick_text(t, step));
  }
  o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                   "y2=\"{:.1f}\" stroke=\"{}\"/>",
                   x0, y1, x1, y1, axis_color);
}

} // namespace detail

namespace {

using namespace detail;

void legend(std::string& o, const std::vector<bar_series>& series, int w) {
  if (series.size() < 2)
    return;
  double x = w - 10;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    auto text_w = 7.0 * static_cast<double>(it->name.size());
    x -= text_w + 22;
    o += fmt::format("<rect x=\"{:.1f}\" y=\"10\" width=\"12\" height=\"12\" "
                     "fill=\"{}\"/><text x=\"{:.1f}\" y=\"20\" "
                     "fill=\"#222\">{}</text>",
                     x, xml_escape(it->color), x + 16, xml_escape(it->name));
  }
}

double max_value(const bar_chart& c) {
  double top = 0;
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    double sum = 0;
    for (auto& s : c.series) {
      auto v = i < s.values.size() && s.values[i] > 0 ? s.values[i] : 0.0;
      sum = c.stacked ? sum + v : std::max(sum, v);
    }
    top = std::max(top, sum);
  }
  return top;
}

void bar_rect(std::string& o, double x, double y, double w, double h,
              const bar_series& s, const std::string& category, double v) {
  o += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}"
                   "{}: {}</title></rect>",
                   x, y, std::max(w, 0.0), std::max(h, 0.0),
                   xml_escape(s.color), xml_escape(category),
                   s.name.empty() ? "" : " / " + xml_escape(s.name),
                   format_number(v));
}

std::string vertical_bars(const bar_chart& c) {
  const int w = c.width;
  const int h = 320;
  double x0 = 72, x1 = w - 16, y0 = 40, y1 = h - 62;
  std::string o;
  open_svg(o, c.title, w, h);
  legend(o, c.series, w);
  auto ticks =
    nice_ticks(0, std::max(max_value(c), 1e-9), 5, c.counts ? 1.0 : 0.0);
  value_axis_y(o, ticks, x0, x1, y0, y1);
  auto top = ticks.back();
  auto n = std::max<std::size_t>(c.categories.size(), 1);
  // A lone category must not become one wall-wide bar.
  auto band = std::min((x1 - x0) / static_cast<double>(n), 160.0);
  auto left = x0 + ((x1 - x0) - band * static_cast<double>(n)) / 2;
  auto chars = static_cast<std::size_t>(std::max(3.0, band / 6.5));
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    auto bx = left + band * static_cast<double>(i);
    double base = 0;
    auto ns = static_cast<double>(std::max<std::size_t>(c.series.size(), 1));
    auto bw = c.stacked ? band * 0.6 : band * 0.7 / ns;
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      auto& s = c.series[k];
      auto v = i < s.values.size() && s.values[i] > 0 ? s.values[i] : 0.0;
      auto x = c.stacked ? bx + band * 0.2
                         : bx + band * 0.15 + bw * static_cast<double>(k);
      auto from = c.stacked ? base : 0.0;
      auto ya = y1 - (from + v) / top * (y1 - y0);
      auto yb = y1 - from / top * (y1 - y0);
      bar_rect(o, x, ya, bw, yb - ya, s, c.categories[i], v);
      if (!c.stacked || c.series.size() == 1)
        o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" "
                         "text-anchor=\"middle\" font-size=\"10\" "
                         "fill=\"#333\">{}</text>",
                         x + bw / 2, ya - 3, value_text(v));
      base += v;
    }
    if (c.stacked && c.series.size() > 1)
      o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" "
                       "text-anchor=\"middle\" font-size=\"11\" "
                       "fill=\"#333\">{}</text>",
                       bx + band / 2, y1 - base / top * (y1 - y0) - 4,
                       value_text(base));
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" "
                     "fill=\"{}\">{}<title>{}</title></text>",
                     bx + band / 2, y1 + 16, axis_color,
                     xml_escape(shorten(c.categories[i], chars)),
                     xml_escape(c.categories[i]));
  }
  axis_labels(o, c.x_label, c.y_label, x0, x1, y0, y1, h);
  o += "</svg>";
  return o;
}

std::string horizontal_bars(const bar_chart& c) {
  std::size_t longest = 4;
  for (auto& cat : c.categories)
    longest = std::max(longest, cat.size());
  const int w = c.width;
  double x0 = std::min(300.0, 16 + 6.8 * static_cast<double>(longest));
  double x1 = w - 40;
  double y0 = 40;
  auto n = std::max<std::size_t>(c.categories.size(), 1);
  double row = 26;
  double y1 = y0 + row * static_cast<double>(n);
  const int h = static_cast<int>(y1) + 56;
  std::string o;
  open_svg(o, c.title, w, h);
  legend(o, c.series, w);
  auto ticks =
    nice_ticks(0, std::max(max_value(c), 1e-9), 5, c.counts ? 1.0 : 0.0);
  auto top = ticks.back();
  auto step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
  for (auto t : ticks) {
    auto x = x0 + t / top * (x1 - x0);
    o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\"/><text x=\"{:.1f}\" "
                     "y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}"
                     "</text>",
                     x, y0, x, y1, grid_color, x, y1 + 16, axis_color,
                     tick_text(t, step));
  }
  o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                   "y2=\"{:.1f}\" stroke=\"{}\"/>",
                   x0, y0, x0, y1, axis_color);
  auto chars = static_cast<std::size_t>((x0 - 12) / 6.8);
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    auto ry = y0 + row * static_cast<double>(i);
    double base = 0;
    for (auto& s : c.series) {
      auto v = i < s.values.size() && s.values[i] > 0 ? s.values[i] : 0.0;
      auto xa = x0 + base / top * (x1 - x0);
      auto xb = x0 + (base + v) / top * (x1 - x0);
      bar_rect(o, xa, ry + 5, xb - xa, row - 10, s, c.categories[i], v);
      base += v;
    }
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" "
                     "fill=\"#333\">{}</text>",
                     x0 + base / top * (x1 - x0) + 4, ry + row / 2 + 4,
                     value_text(base));
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" "
                     "fill=\"{}\">{}<title>{}</title></text>",
                     x0 - 6, ry + row / 2 + 4, axis_color,
                     xml_escape(shorten(c.categories[i], chars)),
                     xml_escape(c.categories[i]));
  }
  o += fmt::format("<text class=\"axis-label\" x=\"{:.1f}\" y=\"{}\" "
                   "text-anchor=\"middle\" fill=\"#222\">{}</text>",
                   (x0 + x1) / 2, h - 8, xml_escape(c.y_label));
  o += fmt::format("<text class=\"axis-label\" x=\"8\" y=\"{:.1f}\" "
                   "fill=\"#222\" font-style=\"italic\">{}</text>",
                   y0 - 6, xml_escape(c.x_label));
  o += "</svg>";
  return o;
}

} // namespace

std::string svg_bar_chart(const bar_chart& c) {
  return c.horizontal ? horizontal_bars(c) : vertical_bars(c);
}

} // namespace kpsynth::quality
