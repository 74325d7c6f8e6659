#include "text/parser_impl.hpp"

#include <utility>

namespace kpsynth::text::detail {

node parser::parse_braced() {
  if (accept(token_kind::lbrace)) {
    auto inner = parse_sum();
    expect(token_kind::rbrace, "'}'");
    return inner;
  }
  return parse_power();
}

/// Reads a subscript after '_' as plain text: `x_1`, `a_{n+1}`.
std::string parser::parse_subscript() {
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

node parser::parse_primary() {
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

std::vector<node> parser::parse_bracket_items(token_kind close) {
  std::vector<node> items;
  items.push_back(parse_item());
  while (accept(token_kind::comma) || accept(token_kind::semicolon)) {
    if (peek().kind == close)
      break;
    items.push_back(parse_item());
  }
  return items;
}

node parser::parse_bracketed() {
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

node parser::parse_word() {
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
    fail("syntax", "separator '" + std::string{w} + "' without an answer", t);
  fail("text_answer", "word '" + std::string{w} + "'", t);
}

node parser::parse_command() {
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
      return make_node(node_kind::root,
                       {std::move(index), std::move(radicand)});
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
  if (is_greek_letter(name)) {
    std::string symbol{"\\"};
    symbol += name;
    if (peek().kind == token_kind::underscore)
      symbol += "_" + parse_subscript();
    return make_node(node_kind::symbol, {}, std::move(symbol));
  }
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

node parser::parse_function(std::string name) {
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
    base = peek().kind == token_kind::lbrace ? parse_braced() : parse_primary();
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
  node f = has_base
             ? make_node(node_kind::log_base, {std::move(base), std::move(arg)})
             : make_node(node_kind::func, {std::move(arg)}, name);
  if (!has_power)
    return f;
  require_scalar(power, at);
  bool inverse = power.kind == node_kind::neg && power.kids.size() == 1
                 && power.kids[0].kind == node_kind::number
                 && power.kids[0].digits == "1" && power.kids[0].exp10 == 0;
  if (inverse && (name == "sin" || name == "cos" || name == "tan")) {
    f.text = "a" + name;
    return f;
  }
  return make_node(node_kind::pow, {std::move(f), std::move(power)});
}

std::string parser::read_group_text() {
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

node parser::parse_matrix(const token& begin) {
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
} // namespace kpsynth::text::detail
