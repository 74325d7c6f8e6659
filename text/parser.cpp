#include "text/parser.hpp"

#include "text/parser_impl.hpp"
#include "text/scan.hpp"

#include <utility>

namespace kpsynth::text {

namespace detail {

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

bool parser::at_separator() const {
  const auto& t = peek();
  return t.kind == token_kind::comma || t.kind == token_kind::semicolon
         || is_word(t, "or") || is_word(t, "and");
}

std::vector<node> parser::parse_sequence() {
  std::vector<node> items;
  items.push_back(parse_item());
  while (at_separator()) {
    while (at_separator())
      next();
    items.push_back(parse_item());
  }
  return items;
}

node parser::parse_item() {
  auto lhs = parse_union();
  if (is_command(peek(), "in")) {
    next();
    return parse_union(); // "x \in [1,2)" is the set itself
  }
  return lhs;
}

node parser::parse_union() {
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

char parser::relation_char(token_kind kind) {
  switch (kind) {
  case token_kind::equals:
    return '=';
  case token_kind::less:
    return '<';
  case token_kind::less_eq:
    return 'l';
  case token_kind::greater:
    return '>';
  case token_kind::greater_eq:
    return 'g';
  case token_kind::not_eq_:
    return 'n';
  default:
    return 0;
  }
}

node parser::parse_relation() {
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

node parser::parse_sum() {
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

bool parser::starts_factor(const token& t) const {
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
           || is_greek_letter(t.text) || is_function_word(t.text)
           || t.text == "arcsin" || t.text == "arccos" || t.text == "arctan";
  case token_kind::pipe:
    return abs_depth_ == 0;
  default:
    return false;
  }
}

bool parser::ends_term(const token& t) const {
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
    return relation_char(t.kind) != 0 || is_word(t, "or") || is_word(t, "and")
           || is_command(t, "cup") || is_command(t, "pm")
           || is_command(t, "mp");
  }
}

/// `2 1/2` and `2\frac{1}{2}` are mixed numbers: 2 + 1/2.
bool parser::parse_mixed_fraction(node& acc) {
  const auto& a = peek();
  if (a.kind == token_kind::number && a.space_before && is_plain_integer(a)
      && peek(1).kind == token_kind::slash && is_plain_integer(peek(2))
      && ends_term(peek(3)) && integer_less(a.text, peek(2).text)) {
    auto num = number_from(next().text);
    next();
    auto den = number_from(next().text);
    acc =
      make_node(node_kind::add,
                {std::move(acc),
                 make_node(node_kind::div, {std::move(num), std::move(den)})});
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
    acc =
      make_node(node_kind::add,
                {std::move(acc),
                 make_node(node_kind::div, {std::move(num), std::move(den)})});
    return true;
  }
  return false;
}

/// True when the last factor of `acc` is a power, as in `3^2`.
static bool ends_in_power(const node& acc) {
  if (acc.kind == node_kind::pow)
    return true;
  return acc.kind == node_kind::mul && !acc.kids.empty()
         && acc.kids.back().kind == node_kind::pow;
}

node parser::parse_term() {
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
                   && (peek_back().kind != token_kind::number
                       || ends_in_power(acc)))) {
      // "\\pi 2" is 2 pi and "3^2 5^3" is a product (the factored form
      // of a number), but "2 3" is not a product.
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

node parser::parse_unary() {
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

node parser::parse_exponent() {
  depth_guard guard{*this};
  if (peek().kind == token_kind::lbrace)
    return parse_braced();
  return parse_unary();
}

node parser::parse_power() {
  auto base = parse_postfix();
  if (peek().kind != token_kind::caret)
    return base;
  const token& caret = next();
  require_scalar(base, caret);
  const token& at = peek();
  auto exponent = parse_exponent();
  require_scalar(exponent, at);
  auto result =
    make_node(node_kind::pow, {std::move(base), std::move(exponent)});
  while (peek().kind == token_kind::bang) {
    guard_postfix();
    result = make_node(node_kind::factorial, {std::move(result)});
  }
  return result;
}

void parser::guard_postfix() {
  next();
  if (++postfix_count_ > max_depth_)
    fail("too_deep", "too many postfix operators", peek());
}

node parser::parse_postfix() {
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
} // namespace detail

result<node> parse_answer(std::string_view normalized, budget& b,
                          std::size_t max_depth) {
  if (scan::trim(normalized).empty())
    return make_problem("syntax", "empty answer", "col 1");
  auto tokens = tokenize(normalized, b);
  if (!tokens)
    return tokens.error();
  try {
    detail::parser p{std::move(*tokens), b, max_depth};
    return p.parse();
  } catch (const detail::parse_failure& f) {
    return make_problem(f.code, f.message, "col " + std::to_string(f.pos + 1));
  }
}

} // namespace kpsynth::text
