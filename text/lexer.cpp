#include "text/lexer.hpp"

#include "text/scan.hpp"

#include <algorithm>
#include <array>

namespace kpsynth::text {

namespace {

using scan::is_alpha;
using scan::is_digit;
using scan::is_space;

constexpr std::array<std::string_view, 19> function_words{
  "sin",    "cos",    "tan",  "cot",  "sec",  "csc", "arcsin",
  "arccos", "arctan", "sinh", "cosh", "tanh", "log", "ln",
  "exp",    "sqrt",   "abs",  "asin", "acos"};

constexpr std::array<std::string_view, 7> other_words{
  "pi", "inf", "infinity", "oo", "or", "and", "atan"};

bool is_known_word(std::string_view w) {
  return is_function_word(w)
         || std::find(other_words.begin(), other_words.end(), w)
              != other_words.end();
}

/// Prose answers ("Monday", "even", "no") have no digits, operators or
/// commands; only there do unknown letter runs stay whole words.
bool is_prose(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    return is_digit(c)
           || std::string_view{"+*/^=_\\<>"}.find(c) != std::string_view::npos;
  });
}

token_kind command_kind(std::string_view name) {
  if (name == "{")
    return token_kind::lset;
  if (name == "}")
    return token_kind::rset;
  if (name == "\\")
    return token_kind::row_sep;
  if (name == "le")
    return token_kind::less_eq;
  if (name == "ge")
    return token_kind::greater_eq;
  if (name == "ne")
    return token_kind::not_eq_;
  if (name == "cdot")
    return token_kind::star;
  if (name == "div")
    return token_kind::slash;
  if (name == "|")
    return token_kind::pipe;
  return token_kind::command;
}

token_kind punctuation_kind(char c) {
  switch (c) {
  case '(':
    return token_kind::lparen;
  case ')':
    return token_kind::rparen;
  case '[':
    return token_kind::lbrack;
  case ']':
    return token_kind::rbrack;
  case '{':
    return token_kind::lbrace;
  case '}':
    return token_kind::rbrace;
  case '+':
    return token_kind::plus;
  case '-':
    return token_kind::minus;
  case '*':
    return token_kind::star;
  case '/':
    return token_kind::slash;
  case '^':
    return token_kind::caret;
  case '_':
    return token_kind::underscore;
  case ',':
    return token_kind::comma;
  case ';':
    return token_kind::semicolon;
  case '!':
    return token_kind::bang;
  case '|':
    return token_kind::pipe;
  case '&':
    return token_kind::amp;
  case '=':
    return token_kind::equals;
  case '<':
    return token_kind::less;
  case '>':
    return token_kind::greater;
  case '%':
    return token_kind::percent;
  default:
    return token_kind::other;
  }
}

/// Length of the number at `i`: digits, an optional fraction, and an
/// optional exponent such as "e-05" (only right after the digits).
std::size_t number_length(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && is_digit(s[j]))
    ++j;
  if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) {
    ++j;
    while (j < s.size() && is_digit(s[j]))
      ++j;
  }
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    std::size_t k = j + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-'))
      ++k;
    // "2e" alone is 2 times e; only a digit right after makes an exponent.
    if (k < s.size() && is_digit(s[k])) {
      while (k < s.size() && is_digit(s[k]))
        ++k;
      if (k == s.size() || !is_alpha(s[k]))
        j = k;
    }
  }
  return j - i;
}

} // namespace

bool is_greek_letter(std::string_view name) {
  static constexpr std::array<std::string_view, 33> letters{
    "alpha",  "beta",  "gamma",    "delta", "epsilon", "varepsilon", "zeta",
    "eta",    "theta", "vartheta", "iota",  "kappa",   "lambda",     "mu",
    "nu",     "xi",    "rho",      "sigma", "tau",     "upsilon",    "phi",
    "varphi", "chi",   "psi",      "omega", "Gamma",   "Delta",      "Theta",
    "Lambda", "Xi",    "Phi",      "Psi",   "Omega"};
  return std::find(letters.begin(), letters.end(), name) != letters.end();
}

bool is_function_word(std::string_view w) {
  return std::find(function_words.begin(), function_words.end(), w)
         != function_words.end();
}

result<std::vector<token>> tokenize(std::string_view s, budget& b) {
  std::vector<token> out;
  bool prose = is_prose(s);
  bool space = false;
  auto push = [&](token_kind kind, std::size_t pos, std::size_t len) {
    out.push_back(token{kind, s.substr(pos, len), pos, space});
    space = false;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (!b.spend())
      return make_problem("budget", "time budget exhausted while tokenizing",
                          "col " + std::to_string(i + 1));
    char c = s[i];
    if (is_space(c)) {
      space = true;
      ++i;
    } else if (is_digit(c)
               || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      auto len = number_length(s, i);
      push(token_kind::number, i, len);
      i += len;
    } else if (is_alpha(c)) {
      std::size_t j = i;
      while (j < s.size() && is_alpha(s[j]))
        ++j;
      auto run = s.substr(i, j - i);
      if (is_known_word(run) || (prose && run.size() >= 2)) {
        push(token_kind::word, i, run.size());
      } else {
        // "sinx" is "sin x"; otherwise every letter is its own variable.
        std::size_t k = i;
        for (auto fn : function_words) {
          if (run.size() > fn.size() && run.size() <= fn.size() + 2
              && run.starts_with(fn)) {
            push(token_kind::word, i, fn.size());
            k = i + fn.size();
            break;
          }
        }
        for (; k < j; ++k)
          push(token_kind::letter, k, 1);
      }
      i = j;
    } else if (c == '\\') {
      auto len = scan::command_length(s, i);
      if (len == 0) {
        push(token_kind::other, i, 1);
        ++i;
        continue;
      }
      auto name = s.substr(i + 1, len);
      auto kind = command_kind(name);
      out.push_back(token{kind, name, i, space});
      space = false;
      i += 1 + len;
    } else if ((c == '<' || c == '>' || c == '!') && i + 1 < s.size()
               && s[i + 1] == '=') {
      push(c == '<'   ? token_kind::less_eq
           : c == '>' ? token_kind::greater_eq
                      : token_kind::not_eq_,
           i, 2);
      i += 2;
    } else {
      // A multi-byte character is one token, so that messages quoting it
      // never cut it in half.
      auto len = scan::utf8_length(s, i);
      push(punctuation_kind(c), i, len);
      i += len;
    }
  }
  out.push_back(token{token_kind::end, {}, s.size(), space});
  return out;
}

} // namespace kpsynth::text
