#include "text/normalize_steps.hpp"
#include "text/scan.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace kpsynth::text::detail {

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;

// -- commands -----------------------------------------------------------------

namespace {

/// What to do with one LaTeX command: drop it, or replace it.
struct command_rule {
  std::string_view name;
  std::string_view replacement;
};

constexpr std::array<command_rule, 67> command_rules{{
  {"approx", "="},
  {"euro", " "},
  {"pounds", " "},
  {"textsterling", " "},
  {"yen", " "},
  {"left", ""},
  {"right", ""},
  {"big", ""},
  {"Big", ""},
  {"bigg", ""},
  {"Bigg", ""},
  {"bigl", ""},
  {"bigr", ""},
  {"Bigl", ""},
  {"Bigr", ""},
  {"biggl", ""},
  {"biggr", ""},
  {"displaystyle", ""},
  {"textstyle", ""},
  {"scriptstyle", ""},
  {"limits", ""},
  {"nolimits", ""},
  {"!", ""},
  {",", " "},
  {";", " "},
  {":", " "},
  {">", " "},
  {" ", " "},
  {"quad", " "},
  {"qquad", " "},
  {"enspace", " "},
  {"thinspace", " "},
  {"dfrac", "\\frac"},
  {"tfrac", "\\frac"},
  {"cfrac", "\\frac"},
  {"dbinom", "\\binom"},
  {"tbinom", "\\binom"},
  {"leq", "\\le"},
  {"leqslant", "\\le"},
  {"leqq", "\\le"},
  {"geq", "\\ge"},
  {"geqslant", "\\ge"},
  {"geqq", "\\ge"},
  {"neq", "\\ne"},
  {"lt", "<"},
  {"gt", ">"},
  {"lbrace", "\\{"},
  {"rbrace", "\\}"},
  {"lvert", "|"},
  {"rvert", "|"},
  {"vert", "|"},
  {"lVert", "|"},
  {"rVert", "|"},
  {"|", "|"},
  {"langle", "("},
  {"rangle", ")"},
  {"varnothing", "\\emptyset"},
  {"times", "\\cdot"},
  {"ast", "\\cdot"},
  {"cdotp", "\\cdot"},
  {"degree", ""},
  {"$", ""},
  {"%", "%"},
  {"infin", "\\infty"},
  {"ldots", "\\dots"},
  {"cdots", "\\dots"},
  {"mathbb", "\\mathbb"},
}};

bool mentions_trigonometry(std::string_view s) {
  for (std::string_view fn :
       {"\\sin", "\\cos", "\\tan", "\\cot", "\\sec", "\\csc"})
    if (s.find(fn) != std::string_view::npos)
      return true;
  return false;
}

/// `\sqrtb` and `\fracab`, common in model output, mean `\sqrt b` and
/// `\frac ab`: a known command glued to one-letter arguments.
std::string split_malformed(std::string_view name) {
  if (name.size() == 5 && name.starts_with("sqrt"))
    return "sqrt " + std::string{name.substr(4)};
  if ((name.size() == 5 || name.size() == 6) && name.starts_with("frac"))
    return "frac " + std::string{name.substr(4)};
  return std::string{name};
}

/// Ends a degree mark that was found after `out`: inside trigonometry the
/// number before it becomes radians (`\cos 60^\circ` is 1/2), elsewhere the
/// mark is dropped because degrees carry no content in a bare answer
/// (`30^\circ` answers "30").
void end_degrees(std::string& out, bool trig) {
  if (!trig)
    return;
  std::size_t begin = out.size();
  while (begin > 0 && (is_digit(out[begin - 1]) || out[begin - 1] == '.'))
    --begin;
  if (begin == out.size())
    return;
  std::string number = out.substr(begin);
  out.resize(begin);
  out += "\\frac{";
  out += number;
  out += "\\pi}{180}";
}

} // namespace

/// Handles `^\circ`, `^{\circ}` and a bare `\circ` after a number.
std::string drop_degrees(std::string_view s) {
  bool trig = mentions_trigonometry(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '^') {
      std::size_t j = i + 1;
      while (j < s.size() && is_space(s[j]))
        ++j;
      bool braced = j < s.size() && s[j] == '{';
      std::size_t k = braced ? j + 1 : j;
      while (braced && k < s.size() && is_space(s[k]))
        ++k;
      if (s.substr(k).starts_with("\\circ")
          && (k + 5 >= s.size() || !is_alpha(s[k + 5]))) {
        k += 5;
        while (braced && k < s.size() && is_space(s[k]))
          ++k;
        if (!braced) {
          end_degrees(out, trig);
          i = k - 1;
          continue;
        }
        if (k < s.size() && s[k] == '}') {
          end_degrees(out, trig);
          i = k;
          continue;
        }
      }
    }
    if (s.substr(i).starts_with("\\circ")
        && (i + 5 >= s.size() || !is_alpha(s[i + 5])) && !out.empty()
        && (is_digit(out.back()) || out.back() == '}')) {
      end_degrees(out, trig);
      i += 4;
      continue;
    }
    out += s[i];
  }
  return out;
}

std::string rewrite_commands(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '~') {
      out += ' ';
      ++i;
      continue;
    }
    if (s[i] == '$') {
      ++i; // a stray math delimiter or a dollar sign
      continue;
    }
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    auto len = scan::command_length(s, i);
    auto name = s.substr(i + 1, len);
    if (name == "mathbb") {
      // \mathbb{R} and \mathbb R: the whole real line.
      std::size_t j = i + 1 + len;
      while (j < s.size() && is_space(s[j]))
        ++j;
      std::string_view rest = s.substr(j);
      if (rest.starts_with("{R}") || rest.starts_with("R")) {
        out += "(-\\infty,\\infty)";
        i = j + (rest.front() == '{' ? 3 : 1);
        continue;
      }
    }
    auto rule = std::find_if(command_rules.begin(), command_rules.end(),
                             [&](const auto& r) { return r.name == name; });
    i += 1 + len;
    if (rule == command_rules.end()) {
      out += '\\';
      out += split_malformed(name);
      continue;
    }
    out += rule->replacement;
    if (name == "left" || name == "right") {
      while (i < s.size() && is_space(s[i]))
        ++i;
      if (i < s.size() && s[i] == '.')
        ++i;
    }
  }
  return out;
}

// -- single-token arguments ---------------------------------------------------

namespace {

/// Where the argument that starts at `i` ends, and whether it needs braces.
struct argument {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool braced = false;
  bool ok = false;
};

argument read_argument(std::string_view s, std::size_t i,
                       std::vector<bool>& erase) {
  while (i < s.size() && is_space(s[i]))
    erase[i++] = true;
  if (i >= s.size())
    return {};
  if (s[i] == '{') {
    auto close = scan::match_group(s, i);
    if (close == std::string_view::npos)
      return {};
    return {i, close, true, true};
  }
  if (s[i] == '\\') {
    auto len = scan::command_length(s, i);
    if (len == 0)
      return {};
    return {i, i + 1 + len, false, true};
  }
  if (is_digit(s[i]) || is_alpha(s[i]))
    return {i, i + 1, false, true};
  return {};
}

} // namespace

/// Gives single-token arguments of `\frac`, `\binom` and `\sqrt` braces, so
/// that `\frac12`, `\frac 59`, `\frac9{19}` and `\sqrt2` read as
/// `\frac{1}{2}`, `\frac{5}{9}`, `\frac{9}{19}` and `\sqrt{2}`.
std::string brace_arguments(std::string_view s) {
  std::vector<std::pair<std::size_t, char>> inserts;
  std::vector<bool> erase(s.size(), false);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\')
      continue;
    auto len = scan::command_length(s, i);
    auto name = s.substr(i + 1, len);
    std::size_t pos = i + 1 + len;
    int count = 0;
    if (name == "frac" || name == "binom") {
      count = 2;
    } else if (name == "sqrt") {
      count = 1;
      std::size_t j = pos;
      while (j < s.size() && is_space(s[j]))
        ++j;
      if (j < s.size() && s[j] == '[') {
        auto close = s.find(']', j);
        if (close == std::string_view::npos)
          continue;
        pos = close + 1;
      }
    }
    for (int k = 0; k < count; ++k) {
      auto arg = read_argument(s, pos, erase);
      if (!arg.ok)
        break;
      if (!arg.braced) {
        inserts.emplace_back(arg.begin, '{');
        inserts.emplace_back(arg.end, '}');
      }
      pos = arg.end;
    }
    i += len; // skip the name; arguments are scanned as usual
  }
  if (inserts.empty()
      && std::find(erase.begin(), erase.end(), true) == erase.end())
    return std::string{s};
  std::stable_sort(
    inserts.begin(), inserts.end(),
    [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  out.reserve(s.size() + inserts.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    while (next < inserts.size() && inserts[next].first == i)
      out += inserts[next++].second;
    if (i < s.size() && !erase[i])
      out += s[i];
  }
  return out;
}

} // namespace kpsynth::text::detail
