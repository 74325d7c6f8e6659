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

constexpr std::array<command_rule, 62> command_rules{{
  {"left", ""},           {"right", ""},         {"big", ""},
  {"Big", ""},            {"bigg", ""},          {"Bigg", ""},
  {"bigl", ""},           {"bigr", ""},          {"Bigl", ""},
  {"Bigr", ""},           {"biggl", ""},         {"biggr", ""},
  {"displaystyle", ""},   {"textstyle", ""},     {"scriptstyle", ""},
  {"limits", ""},         {"nolimits", ""},      {"!", ""},
  {",", " "},             {";", " "},            {":", " "},
  {">", " "},             {" ", " "},            {"quad", " "},
  {"qquad", " "},         {"enspace", " "},      {"thinspace", " "},
  {"dfrac", "\\frac"},    {"tfrac", "\\frac"},   {"cfrac", "\\frac"},
  {"dbinom", "\\binom"},  {"tbinom", "\\binom"}, {"leq", "\\le"},
  {"leqslant", "\\le"},   {"leqq", "\\le"},      {"geq", "\\ge"},
  {"geqslant", "\\ge"},   {"geqq", "\\ge"},      {"neq", "\\ne"},
  {"lt", "<"},            {"gt", ">"},           {"lbrace", "\\{"},
  {"rbrace", "\\}"},      {"lvert", "|"},        {"rvert", "|"},
  {"vert", "|"},          {"lVert", "|"},        {"rVert", "|"},
  {"|", "|"},             {"langle", "("},       {"rangle", ")"},
  {"varnothing", "\\emptyset"}, {"times", "\\cdot"}, {"ast", "\\cdot"},
  {"cdotp", "\\cdot"},    {"degree", ""},        {"$", ""},
  {"%", "%"},             {"infin", "\\infty"},  {"ldots", "\\dots"},
  {"cdots", "\\dots"},    {"mathbb", "\\mathbb"},
}};

bool mentions_trigonometry(std::string_view s) {
  for (std::string_view fn : {"\\sin", "\\cos", "\\tan", "\\cot", "\\sec",
                              "\\csc"})
    if (s.find(fn) != std::string_view::npos)
      return true;
  return false;
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
      out += name;
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

// -- units and text wrappers --------------------------------------------------

namespace {

/// Units that may be written in plain text after a number. Single letters
/// are excluded here (they are variables in plain text) but accepted inside
/// `\text{}`, see is_unit_text().
bool is_plain_unit(std::string_view w) {
  static constexpr std::array<std::string_view, 74> units{
    "cm",      "mm",      "km",      "meter",   "meters",  "metre",
    "metres",  "inch",    "inches",  "ft",      "feet",    "foot",
    "yd",      "yard",    "yards",   "mile",    "miles",   "mph",
    "kg",      "gram",    "grams",   "mg",      "lb",      "lbs",
    "pound",   "pounds",  "oz",      "ounce",   "ounces",  "liter",
    "liters",  "litre",   "litres",  "ml",      "gallon",  "gallons",
    "sec",     "secs",    "second",  "seconds", "min",     "mins",
    "minute",  "minutes", "hr",      "hrs",     "hour",    "hours",
    "day",     "days",    "week",    "weeks",   "month",   "months",
    "year",    "years",   "dollar",  "dollars", "cent",    "cents",
    "degree",  "degrees", "deg",     "unit",    "units",   "sq",
    "square",  "cubic",   "radian",  "radians", "kilometers", "centimeters",
    "millimeters", "kilograms"};
  return std::find(units.begin(), units.end(), w) != units.end();
}

/// True when `\text{...}` content only names units ("cm", " square feet",
/// "m/s", "inches^2"), so the whole group can go.
bool is_unit_text(std::string_view content) {
  auto low = scan::lower(content);
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < low.size()) {
    char c = low[i];
    if (is_space(c) || c == '/' || c == '.' || c == '-') {
      ++i;
      continue;
    }
    if (c == '^') {
      ++i;
      while (i < low.size() && (is_digit(low[i]) || low[i] == '{'
                                || low[i] == '}'))
        ++i;
      continue;
    }
    if (!is_alpha(c))
      return false;
    std::size_t j = i;
    while (j < low.size() && is_alpha(low[j]))
      ++j;
    auto word = std::string_view{low}.substr(i, j - i);
    bool single = word.size() == 1
                  && std::string_view{"mgslh"}.find(word[0])
                       != std::string_view::npos;
    if (!single && word != "in" && word != "m" && !is_plain_unit(word))
      return false;
    ++words;
    i = j;
  }
  return words > 0;
}

/// Length of a `^2`, `^3`, `^{2}` or `^{3}` suffix at `i`, or 0.
std::size_t unit_power_length(std::string_view s, std::size_t i) {
  auto rest = s.substr(i);
  if (rest.starts_with("^{2}") || rest.starts_with("^{3}"))
    return 4;
  if (rest.starts_with("^2") || rest.starts_with("^3"))
    return 2;
  return 0;
}

constexpr std::array<std::string_view, 20> text_wrappers{
  "text",     "textbf",   "textit",       "textrm",   "textsf",
  "texttt",   "textnormal", "textup",     "mathrm",   "mathbf",
  "mathit",   "mathsf",   "mathtt",       "mathnormal", "mbox",
  "hbox",     "operatorname", "boldsymbol", "bm",     "emph"};

} // namespace

/// Replaces `\text{...}` and its relatives by their content, or removes them
/// with a trailing power when the content names units.
std::string unwrap_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::vector<std::size_t> drop_closing; // offsets of '}' to turn into ' '
  for (std::size_t i = 0; i < s.size();) {
    while (!drop_closing.empty() && drop_closing.back() < i)
      drop_closing.pop_back();
    if (!drop_closing.empty() && drop_closing.back() == i) {
      drop_closing.pop_back();
      out += ' ';
      ++i;
      continue;
    }
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    auto len = scan::command_length(s, i);
    auto name = s.substr(i + 1, len);
    if (std::find(text_wrappers.begin(), text_wrappers.end(), name)
        == text_wrappers.end()) {
      out.append(s.substr(i, 1 + len));
      i += 1 + len;
      continue;
    }
    std::size_t open = i + 1 + len;
    while (open < s.size() && is_space(s[open]))
      ++open;
    auto close = open < s.size() && s[open] == '{'
                   ? scan::match_group(s, open)
                   : std::string_view::npos;
    if (close == std::string_view::npos) {
      i = open; // A wrapper without an argument: drop the command.
      continue;
    }
    auto content = s.substr(open + 1, close - open - 2);
    if (is_unit_text(content)) {
      out += ' ';
      i = close + unit_power_length(s, close);
      continue;
    }
    out += ' ';
    drop_closing.push_back(close - 1);
    i = open + 1;
  }
  return out;
}

/// Removes unit words written in plain text after a number ("5 meters",
/// "10 square feet", "3 cm^2") and spells "percent" as `%`.
std::string strip_unit_words(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool word_start = is_alpha(s[i]) && (i == 0 || (!is_alpha(s[i - 1])
                                                    && s[i - 1] != '\\'));
    if (!word_start) {
      out += s[i++];
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_alpha(s[j]))
      ++j;
    auto word = scan::lower(s.substr(i, j - i));
    auto last = out.find_last_not_of(' ');
    bool after_value = last != std::string::npos
                       && (is_digit(out[last]) || out[last] == '}'
                           || out[last] == ')' || out[last] == '%');
    if (after_value && (word == "percent" || word == "pct")) {
      out += '%';
      i = j;
      continue;
    }
    if (after_value && is_plain_unit(word)) {
      i = j + unit_power_length(s, j);
      continue;
    }
    out.append(s.substr(i, j - i));
    i = j;
  }
  return out;
}

/// Removes words that trail a number ("575 students", "65 children
/// tickets"): the count is the answer. Kept when no number precedes them,
/// so that "Monday" stays a text answer.
std::string strip_trailing_words(std::string s) {
  std::size_t end = s.size();
  bool removed = false;
  for (;;) {
    std::size_t e = end;
    while (e > 0 && is_space(s[e - 1]))
      --e;
    std::size_t b = e;
    while (b > 0 && is_alpha(s[b - 1]))
      --b;
    if (e - b < 3 || (b > 0 && s[b - 1] == '\\') || (b > 0 && !is_space(s[b - 1])))
      break;
    auto word = scan::lower(std::string_view{s}.substr(b, e - b));
    if (word == "and" || word == "pi" || word == "sqrt" || word == "inf"
        || word == "infinity" || word.starts_with("sin")
        || word.starts_with("cos") || word.starts_with("tan")
        || word.starts_with("log") || word.starts_with("exp"))
      break;
    end = b;
    removed = true;
  }
  if (!removed)
    return s;
  std::size_t e = end;
  while (e > 0 && is_space(s[e - 1]))
    --e;
  if (e == 0 || !(is_digit(s[e - 1]) || s[e - 1] == '}' || s[e - 1] == ')'))
    return s;
  s.resize(e);
  return s;
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
  if (inserts.empty() && std::find(erase.begin(), erase.end(), true)
                           == erase.end())
    return std::string{s};
  std::stable_sort(inserts.begin(), inserts.end(),
                   [](const auto& a, const auto& b) {
                     return a.first < b.first;
                   });
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
