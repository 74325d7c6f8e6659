#include "text/parser.hpp"

#include "text/lexer.hpp"
#include "text/scan.hpp"

#include <utility>

namespace kpsynth::text {

namespace {

/// Internal error; converted to a `problem` at the API boundary.
struct parse_failure {
  std::string code;
  std::string message;
  std::size_t pos;
};

bool is_word(const token& t, std::string_view w) {
  return t.kind == token_kind::word && t.text == w;
}

bool is_command(const token& t, std::string_view name) {
  return t.kind == token_kind::command && t.text == name;
}

bool is_plain_integer(const token& t) {
  if (t.kind != token_kind::number)
    return false;
  for (char c : t.text)
    if (!scan::is_digit(c))
      return false;
  return true;
}

/// Compares two digit strings as non-negative integers.
bool integer_less(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0')
    a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0')
    b.remove_prefix(1);
  if (a.size() != b.size())
    return a.size() < b.size();
  return a < b;
}

node number_from(std::string_view s) {
  node n;
  n.kind = node_kind::number;
  std::size_t i = 0;
  for (; i < s.size() && scan::is_digit(s[i]); ++i)
    n.digits += s[i];
  if (i < s.size() && s[i] == '.') {
    n.approximate = true;
    for (++i; i < s.size() && scan::is_digit(s[i]); ++i) {
      n.digits += s[i];
      --n.exp10;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    n.approximate = true;
    ++i;
    bool negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+'))
      ++i;
    int exponent = 0;
    for (; i < s.size() && scan::is_digit(s[i]); ++i)
      exponent = std::min(exponent * 10 + (s[i] - '0'), 1'000'000);
    n.exp10 += negative ? -exponent : exponent;
  }
  auto first = n.digits.find_first_not_of('0');
  n.digits = first == std::string::npos ? "0" : n.digits.substr(first);
  return n;
}

std::string canonical_function(std::string_view name) {
  if (name == "ln")
    return "log";
  if (name == "arcsin")
    return "asin";
  if (name == "arccos")
    return "acos";
  if (name == "arctan")
    return "atan";
  return std::string{name};
}

bool is_structure(const node& n) {
  return !is_scalar_kind(n.kind);
}


class parser {
public:
  parser(std::vector<token> tokens, budget& b, std::size_t max_depth)
    : tokens_(std::move(tokens)), budget_(b), max_depth_(max_depth) {
  }

  node parse() {
    auto items = parse_sequence();
    if (peek().kind != token_kind::end)
      fail("syntax", "unexpected '" + std::string{peek().text} + "'", peek());
    if (items.size() == 1)
      return std::move(items.front());
    return make_node(node_kind::list, std::move(items));
  }

private:
  // -- token access -----------------------------------------------------------

  const token& peek(std::size_t ahead = 0) const {
    auto i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }

  const token& peek_back() const {
    return pos_ > 0 ? tokens_[pos_ - 1] : tokens_[0];
  }

  const token& next() {
    if (!budget_.spend())
      fail("budget", "time budget exhausted while parsing", peek());
    const token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size())
      ++pos_;
    return t;
  }

  bool accept(token_kind kind) {
    if (peek().kind != kind)
      return false;
    next();
    return true;
  }

  void expect(token_kind kind, std::string_view what) {
    if (!accept(kind))
      fail("syntax", "expected " + std::string{what}, peek());
  }

  [[noreturn]] void fail(std::string code, std::string message,
                         const token& at) const {
    throw parse_failure{std::move(code), std::move(message), at.pos};
  }

  /// Counts recursion so that `((((...))))` fails cleanly instead of
  /// exhausting the stack.
  struct depth_guard {
    explicit depth_guard(parser& p) : p_(p) {
      if (++p_.depth_ > p_.max_depth_)
        p_.fail("too_deep",
                "nesting deeper than " + std::to_string(p_.max_depth_),
                p_.peek());
    }
    ~depth_guard() { --p_.depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;
    parser& p_;
  };

  void require_scalar(const node& n, const token& at) const {
    if (is_structure(n))
      fail("syntax", "a tuple, set or relation cannot be used in arithmetic",
           at);
  }

  // -- answers and items ------------------------------------------------------

  bool at_separator() const {
    const auto& t = peek();
    return t.kind == token_kind::comma || t.kind == token_kind::semicolon
           || is_word(t, "or") || is_word(t, "and");
  }

  std::vector<node> parse_sequence() {
    std::vector<node> items;
    items.push_back(parse_item());
    while (at_separator()) {
      while (at_separator())
        next();
      items.push_back(parse_item());
    }
    return items;
  }

  node parse_item() {
    auto lhs = parse_union();
    if (is_command(peek(), "in")) {
      next();
      return parse_union(); // "x \in [1,2)" is the set itself
    }
    return lhs;
  }

  node parse_union() {
    auto first = parse_relation();
    if (!is_command(peek(), "cup"))
      return first;
    std::vector<node> kids;
    kids.push_back(std::move(first));
    while (is_command(peek(), "cup")) {
      next();
      kids.push_back(parse_relation());
    }
    return make_node(node_kind::union_of, std::move(kids));
  }

  static char relation_char(token_kind kind) {
    switch (kind) {
      case token_kind::equals: return '=';
      case token_kind::less: return '<';
      case token_kind::less_eq: return 'l';
      case token_kind::greater: return '>';
      case token_kind::greater_eq: return 'g';
      case token_kind::not_eq_: return 'n';
      default: return 0;
    }
  }

  node parse_relation() {
    auto first = parse_sum();
    if (relation_char(peek().kind) == 0)
      return first;
    node rel = make_node(node_kind::relation, {std::move(first)});
    while (char op = relation_char(peek().kind)) {
      next();
      rel.text += op;
      rel.kids.push_back(parse_sum());
    }
    return rel;
  }

  // -- arithmetic -------------------------------------------------------------

  node parse_sum() {
    depth_guard guard{*this};
    std::vector<node> terms;
    auto sign_term = [&](const token& sign) {
      const token& at = peek();
      auto term = parse_term();
      bool signed_term = sign.kind != token_kind::plus;
      if (signed_term || !terms.empty())
        require_scalar(term, at);
      if (sign.kind == token_kind::minus)
        return make_node(node_kind::neg, {std::move(term)});
      if (is_command(sign, "pm"))
        return make_node(node_kind::plus_minus, {std::move(term)});
      if (is_command(sign, "mp"))
        return make_node(node_kind::minus_plus, {std::move(term)});
      return term;
    };
    auto is_sign = [](const token& t) {
      return t.kind == token_kind::plus || t.kind == token_kind::minus
             || is_command(t, "pm") || is_command(t, "mp");
    };
    token plus_token{token_kind::plus, "+", 0, false};
    if (is_sign(peek()))
      terms.push_back(sign_term(next()));
    else
      terms.push_back(sign_term(plus_token));
    while (is_sign(peek())) {
      const token& sign = next();
      require_scalar(terms.front(), sign);
      terms.push_back(sign_term(sign));
    }
    if (terms.size() == 1)
      return std::move(terms.front());
    return make_node(node_kind::add, std::move(terms));
  }

  bool starts_factor(const token& t) const {
    switch (t.kind) {
      case token_kind::letter:
      case token_kind::lparen:
      case token_kind::lbrace:
        return true;
      case token_kind::word:
        return t.text != "or" && t.text != "and";
      case token_kind::command:
        return t.text == "frac" || t.text == "sqrt" || t.text == "binom"
               || t.text == "pi" || t.text == "infty" || t.text == "begin"
               || is_function_word(t.text) || t.text == "arcsin"
               || t.text == "arccos" || t.text == "arctan";
      case token_kind::pipe:
        return abs_depth_ == 0;
      default:
        return false;
    }
  }

  bool ends_term(const token& t) const {
    switch (t.kind) {
      case token_kind::end:
      case token_kind::comma:
      case token_kind::semicolon:
      case token_kind::rparen:
      case token_kind::rbrack:
      case token_kind::rbrace:
      case token_kind::rset:
      case token_kind::plus:
      case token_kind::minus:
      case token_kind::row_sep:
      case token_kind::amp:
        return true;
      default:
        return relation_char(t.kind) != 0 || is_word(t, "or")
               || is_word(t, "and") || is_command(t, "cup")
               || is_command(t, "pm") || is_command(t, "mp");
    }
  }

  /// `2 1/2` and `2\frac{1}{2}` are mixed numbers: 2 + 1/2.
  bool parse_mixed_fraction(node& acc) {
    const auto& a = peek();
    if (a.kind == token_kind::number && a.space_before && is_plain_integer(a)
        && peek(1).kind == token_kind::slash && is_plain_integer(peek(2))
        && ends_term(peek(3)) && integer_less(a.text, peek(2).text)) {
      auto num = number_from(next().text);
      next();
      auto den = number_from(next().text);
      acc = make_node(node_kind::add,
                      {std::move(acc), make_node(node_kind::div,
                                                 {std::move(num),
                                                  std::move(den)})});
      return true;
    }
    if (is_command(a, "frac") && peek(1).kind == token_kind::lbrace
        && is_plain_integer(peek(2)) && peek(3).kind == token_kind::rbrace
        && peek(4).kind == token_kind::lbrace && is_plain_integer(peek(5))
        && peek(6).kind == token_kind::rbrace
        && integer_less(peek(2).text, peek(5).text)) {
      next();
      next();
      auto num = number_from(next().text);
      next();
      next();
      auto den = number_from(next().text);
      next();
      acc = make_node(node_kind::add,
                      {std::move(acc), make_node(node_kind::div,
                                                 {std::move(num),
                                                  std::move(den)})});
      return true;
    }
    return false;
  }

  node parse_term() {
    const token& first_token = peek();
    auto acc = parse_unary();
    if (is_plain_integer(first_token) && acc.kind == node_kind::number
        && parse_mixed_fraction(acc))
      return acc;
    for (;;) {
      const token& t = peek();
      node_kind op;
      if (t.kind == token_kind::star) {
        next();
        op = node_kind::mul;
      } else if (t.kind == token_kind::slash) {
        next();
        op = node_kind::div;
      } else if (starts_factor(t)
                 || (t.kind == token_kind::number
                     && peek_back().kind != token_kind::number)) {
        // "\\pi 2" is 2 pi, but "2 3" is not a product.
        op = node_kind::mul;
      } else {
        return acc;
      }
      require_scalar(acc, t);
      const token& at = peek();
      auto rhs = op == node_kind::mul && !(t.kind == token_kind::star)
                   ? parse_power()
                   : parse_unary();
      require_scalar(rhs, at);
      if (op == node_kind::div) {
        acc = make_node(node_kind::div, {std::move(acc), std::move(rhs)});
      } else if (acc.kind == node_kind::mul) {
        acc.kids.push_back(std::move(rhs));
      } else {
        acc = make_node(node_kind::mul, {std::move(acc), std::move(rhs)});
      }
    }
  }

  node parse_unary() {
    const token& t = peek();
    node_kind kind;
    if (t.kind == token_kind::minus)
      kind = node_kind::neg;
    else if (is_command(t, "pm"))
      kind = node_kind::plus_minus;
    else if (is_command(t, "mp"))
      kind = node_kind::minus_plus;
    else if (t.kind == token_kind::plus)
      kind = node_kind::add;
    else
      return parse_power();
    next();
    depth_guard guard{*this};
    const token& at = peek();
    auto operand = parse_unary();
    require_scalar(operand, at);
    if (kind == node_kind::add)
      return operand;
    return make_node(kind, {std::move(operand)});
  }

  node parse_exponent() {
    depth_guard guard{*this};
    if (peek().kind == token_kind::lbrace)
      return parse_braced();
    return parse_unary();
  }

  node parse_power() {
    auto base = parse_postfix();
    if (peek().kind != token_kind::caret)
      return base;
    const token& caret = next();
    require_scalar(base, caret);
    const token& at = peek();
    auto exponent = parse_exponent();
    require_scalar(exponent, at);
    auto result = make_node(node_kind::pow, {std::move(base),
                                             std::move(exponent)});
    while (peek().kind == token_kind::bang) {
      guard_postfix();
      result = make_node(node_kind::factorial, {std::move(result)});
    }
    return result;
  }

  void guard_postfix() {
    next();
    if (++postfix_count_ > max_depth_)
      fail("too_deep", "too many postfix operators", peek());
  }

  node parse_postfix() {
    auto result = parse_primary();
    for (;;) {
      if (peek().kind == token_kind::bang) {
        require_scalar(result, peek());
        guard_postfix();
        result = make_node(node_kind::factorial, {std::move(result)});
      } else if (peek().kind == token_kind::percent) {
        require_scalar(result, peek());
        guard_postfix();
        result = make_node(node_kind::percent, {std::move(result)});
      } else {
        return result;
      }
    }
  }

  // -- primaries --------------------------------------------------------------

  node parse_braced() {
    if (accept(token_kind::lbrace)) {
      auto inner = parse_sum();
      expect(token_kind::rbrace, "'}'");
      return inner;
    }
    return parse_power();
  }

  /// Reads a subscript after '_' as plain text: `x_1`, `a_{n+1}`.
  std::string parse_subscript() {
    next(); // '_'
    if (accept(token_kind::lbrace)) {
      std::string text;
      int depth = 1;
      for (;;) {
        const auto& t = peek();
        if (t.kind == token_kind::end)
          fail("syntax", "unclosed subscript", t);
        if (t.kind == token_kind::lbrace)
          ++depth;
        if (t.kind == token_kind::rbrace && --depth == 0) {
          next();
          break;
        }
        text += next().text;
      }
      if (text.empty())
        fail("syntax", "empty subscript", peek());
      return text;
    }
    const auto& t = peek();
    if (t.kind != token_kind::number && t.kind != token_kind::letter)
      fail("syntax", "bad subscript", t);
    return std::string{next().text};
  }

  node parse_primary() {
    const token& t = peek();
    switch (t.kind) {
      case token_kind::number: {
        next();
        if (peek().kind == token_kind::underscore && !peek().space_before
            && is_plain_integer(t)) {
          // A number in another base, e.g. 204_5: compared verbatim.
          auto base = parse_subscript();
          return make_node(node_kind::literal, {},
                           std::string{t.text} + "_" + base);
        }
        return number_from(t.text);
      }
      case token_kind::letter: {
        next();
        std::string name{t.text};
        if (peek().kind == token_kind::underscore) {
          name += "_" + parse_subscript();
          return make_node(node_kind::symbol, {}, std::move(name));
        }
        if (name == "e")
          return make_node(node_kind::euler);
        if (name == "i")
          return make_node(node_kind::imaginary);
        return make_node(node_kind::symbol, {}, std::move(name));
      }
      case token_kind::word:
        return parse_word();
      case token_kind::command:
        return parse_command();
      case token_kind::lparen:
      case token_kind::lbrack:
        return parse_bracketed();
      case token_kind::lbrace: {
        next();
        auto items = parse_bracket_items(token_kind::rbrace);
        expect(token_kind::rbrace, "'}'");
        if (items.size() == 1)
          return std::move(items.front());
        return make_node(node_kind::set, std::move(items));
      }
      case token_kind::lset: {
        next();
        if (accept(token_kind::rset))
          return make_node(node_kind::empty_set);
        auto items = parse_bracket_items(token_kind::rset);
        expect(token_kind::rset, "'\\}'");
        return make_node(node_kind::set, std::move(items));
      }
      case token_kind::pipe: {
        next();
        ++abs_depth_;
        auto inner = parse_sum();
        --abs_depth_;
        expect(token_kind::pipe, "closing '|'");
        require_scalar(inner, t);
        return make_node(node_kind::abs, {std::move(inner)});
      }
      default:
        break;
    }
    if (t.kind == token_kind::end)
      fail("syntax", "unexpected end of answer", t);
    fail("syntax", "unexpected '" + std::string{t.text} + "'", t);
  }

  std::vector<node> parse_bracket_items(token_kind close) {
    std::vector<node> items;
    items.push_back(parse_item());
    while (accept(token_kind::comma) || accept(token_kind::semicolon)) {
      if (peek().kind == close)
        break;
      items.push_back(parse_item());
    }
    return items;
  }

  node parse_bracketed() {
    const token& open = next();
    char open_char = open.kind == token_kind::lparen ? '(' : '[';
    int saved_abs = abs_depth_;
    abs_depth_ = 0;
    auto items = parse_bracket_items(token_kind::rparen);
    abs_depth_ = saved_abs;
    char close_char;
    if (accept(token_kind::rparen))
      close_char = ')';
    else if (accept(token_kind::rbrack))
      close_char = ']';
    else
      fail("syntax", "unclosed bracket", peek());
    std::string brackets{open_char, close_char};
    if (items.size() == 1) {
      if (open_char != (close_char == ')' ? '(' : '['))
        fail("syntax", "mismatched brackets " + brackets, open);
      return std::move(items.front());
    }
    auto infinite = [](const node& n) {
      return n.kind == node_kind::infinity
             || (n.kind == node_kind::neg && !n.kids.empty()
                 && n.kids[0].kind == node_kind::infinity);
    };
    if (items.size() == 2
        && (brackets != "()" || infinite(items[0]) || infinite(items[1])))
      return make_node(node_kind::interval, std::move(items),
                       std::move(brackets));
    return make_node(node_kind::tuple, std::move(items), std::move(brackets));
  }

  node parse_word() {
    const token& t = next();
    auto w = t.text;
    if (w == "pi")
      return make_node(node_kind::pi);
    if (w == "inf" || w == "infinity" || w == "oo")
      return make_node(node_kind::infinity);
    if (w == "atan")
      return parse_function("atan");
    if (is_function_word(w))
      return parse_function(canonical_function(w));
    if (w == "or" || w == "and")
      fail("syntax", "separator '" + std::string{w} + "' without an answer",
           t);
    fail("text_answer", "word '" + std::string{w} + "'", t);
  }

  node parse_command() {
    const token& t = next();
    auto name = t.text;
    if (name == "frac") {
      auto num = parse_braced();
      require_scalar(num, t);
      auto den = parse_braced();
      require_scalar(den, t);
      return make_node(node_kind::div, {std::move(num), std::move(den)});
    }
    if (name == "sqrt") {
      if (accept(token_kind::lbrack)) {
        auto index = parse_sum();
        expect(token_kind::rbrack, "']'");
        auto radicand = parse_braced();
        require_scalar(index, t);
        require_scalar(radicand, t);
        return make_node(node_kind::root, {std::move(index),
                                           std::move(radicand)});
      }
      auto radicand = parse_braced();
      require_scalar(radicand, t);
      return make_node(node_kind::func, {std::move(radicand)}, "sqrt");
    }
    if (name == "binom") {
      auto n = parse_braced();
      auto k = parse_braced();
      require_scalar(n, t);
      require_scalar(k, t);
      return make_node(node_kind::binom, {std::move(n), std::move(k)});
    }
    if (name == "pi")
      return make_node(node_kind::pi);
    if (name == "infty")
      return make_node(node_kind::infinity);
    if (name == "emptyset")
      return make_node(node_kind::empty_set);
    if (name == "begin")
      return parse_matrix(t);
    if (is_function_word(name) || name == "arcsin" || name == "arccos"
        || name == "arctan")
      return parse_function(canonical_function(name));
    fail("syntax", "unsupported command \\" + std::string{name}, t);
  }

  node parse_function(std::string name) {
    depth_guard guard{*this};
    const token& at = peek();
    node power;
    bool has_power = false;
    if (accept(token_kind::caret)) {
      power = parse_exponent();
      has_power = true;
    }
    node base;
    bool has_base = false;
    if (name == "log" && peek().kind == token_kind::underscore) {
      next();
      base = peek().kind == token_kind::lbrace ? parse_braced()
                                               : parse_primary();
      has_base = true;
    }
    node arg;
    if (accept(token_kind::lparen)) {
      arg = parse_sum();
      expect(token_kind::rparen, "')'");
    } else if (peek().kind == token_kind::lbrace) {
      arg = parse_braced();
    } else {
      // \sin 2x is sin(2x); the argument is the following implicit product.
      arg = parse_power();
      while (starts_factor(peek()) && peek().kind != token_kind::word
             && peek().kind != token_kind::command) {
        require_scalar(arg, peek());
        auto factor = parse_power();
        arg = make_node(node_kind::mul, {std::move(arg), std::move(factor)});
      }
    }
    require_scalar(arg, at);
    if (has_base)
      require_scalar(base, at);
    node f = has_base ? make_node(node_kind::log_base,
                                  {std::move(base), std::move(arg)})
                      : make_node(node_kind::func, {std::move(arg)}, name);
    if (!has_power)
      return f;
    require_scalar(power, at);
    bool inverse = power.kind == node_kind::neg && power.kids.size() == 1
                   && power.kids[0].kind == node_kind::number
                   && power.kids[0].digits == "1"
                   && power.kids[0].exp10 == 0;
    if (inverse && (name == "sin" || name == "cos" || name == "tan")) {
      f.text = "a" + name;
      return f;
    }
    return make_node(node_kind::pow, {std::move(f), std::move(power)});
  }

  std::string read_group_text() {
    expect(token_kind::lbrace, "'{'");
    std::string text;
    while (peek().kind != token_kind::rbrace) {
      if (peek().kind == token_kind::end)
        fail("syntax", "unclosed '{'", peek());
      text += next().text;
    }
    next();
    return text;
  }

  node parse_matrix(const token& begin) {
    auto env = read_group_text();
    if (env != "pmatrix" && env != "bmatrix" && env != "Bmatrix"
        && env != "matrix" && env != "smallmatrix" && env != "array")
      fail("syntax", "unsupported environment " + env, begin);
    if (env == "array" && peek().kind == token_kind::lbrace)
      read_group_text(); // column specification
    std::vector<node> rows;
    for (;;) {
      std::vector<node> cells;
      cells.push_back(parse_sum());
      while (accept(token_kind::amp))
        cells.push_back(parse_sum());
      for (const auto& c : cells)
        require_scalar(c, begin);
      rows.push_back(make_node(node_kind::tuple, std::move(cells), "()"));
      if (!accept(token_kind::row_sep) || is_command(peek(), "end"))
        break;
    }
    if (!is_command(peek(), "end"))
      fail("syntax", "expected \\end{" + env + "}", peek());
    next();
    if (read_group_text() != env)
      fail("syntax", "\\begin{" + env + "} closed by another \\end", begin);
    for (const auto& row : rows)
      if (row.kids.size() != rows.front().kids.size())
        fail("syntax", "matrix rows differ in length", begin);
    return make_node(node_kind::matrix, std::move(rows));
  }

  std::vector<token> tokens_;
  std::size_t pos_ = 0;
  budget& budget_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::size_t postfix_count_ = 0;
  int abs_depth_ = 0;
};

} // namespace

result<node> parse_answer(std::string_view normalized, budget& b,
                          std::size_t max_depth) {
  if (scan::trim(normalized).empty())
    return make_problem("syntax", "empty answer", "col 1");
  auto tokens = tokenize(normalized, b);
  if (!tokens)
    return tokens.error();
  try {
    parser p{std::move(*tokens), b, max_depth};
    return p.parse();
  } catch (const parse_failure& f) {
    return make_problem(f.code, f.message, "col " + std::to_string(f.pos + 1));
  }
}

} // namespace kpsynth::text
