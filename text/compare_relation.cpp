#include "text/compare.hpp"

#include <algorithm>

namespace kpsynth::text {

namespace {

node infinity(int sign) {
  auto inf = make_node(node_kind::infinity);
  return sign > 0 ? inf : make_node(node_kind::neg, {std::move(inf)});
}

bool is_infinite(const node& n) {
  return contains(n, node_kind::infinity);
}

bool has_symbols(const node& n) {
  return contains(n, node_kind::symbol);
}

bool is_lone_symbol(const node& n) {
  return n.kind == node_kind::symbol;
}

bool is_less(char op) {
  return op == '<' || op == 'l';
}

bool is_greater(char op) {
  return op == '>' || op == 'g';
}

bool is_inclusive(char op) {
  return op == 'l' || op == 'g';
}

interval_part make_part(node lo, node hi, bool lo_closed, bool hi_closed) {
  // Infinite ends are open whatever bracket was written.
  bool lo_inf = is_infinite(lo);
  bool hi_inf = is_infinite(hi);
  return interval_part{std::move(lo), std::move(hi), lo_closed && !lo_inf,
                       hi_closed && !hi_inf};
}

/// `x < c`, `c \ge x`, `x \ne c`, `a < x \le b` as intervals.
std::optional<std::vector<interval_part>> relation_set(const node& rel) {
  const auto& ops = rel.text;
  const auto& k = rel.kids;
  if (ops.size() == 1 && ops[0] != '=') {
    char op = ops[0];
    const node* c = nullptr;
    bool var_left = false;
    if (is_lone_symbol(k[0]) && !has_symbols(k[1])) {
      c = &k[1];
      var_left = true;
    } else if (is_lone_symbol(k[1]) && !has_symbols(k[0])) {
      c = &k[0];
    } else {
      return std::nullopt;
    }
    if (!is_scalar(*c))
      return std::nullopt;
    if (op == 'n')
      return std::vector<interval_part>{
        make_part(infinity(-1), *c, false, false),
        make_part(*c, infinity(1), false, false)};
    // Orient as "x op c" with op pointing one way.
    bool upper = var_left ? is_less(op) : is_greater(op);
    bool closed = is_inclusive(op);
    if (upper)
      return std::vector<interval_part>{
        make_part(infinity(-1), *c, false, closed)};
    return std::vector<interval_part>{
      make_part(*c, infinity(1), closed, false)};
  }
  if (ops.size() == 2 && is_lone_symbol(k[1]) && !has_symbols(k[0])
      && !has_symbols(k[2]) && is_scalar(k[0]) && is_scalar(k[2])) {
    if (is_less(ops[0]) && is_less(ops[1]))
      return std::vector<interval_part>{
        make_part(k[0], k[2], is_inclusive(ops[0]), is_inclusive(ops[1]))};
    if (is_greater(ops[0]) && is_greater(ops[1]))
      return std::vector<interval_part>{
        make_part(k[2], k[0], is_inclusive(ops[1]), is_inclusive(ops[0]))};
  }
  return std::nullopt;
}

verdict_kind compare_parts(const interval_part& a, const interval_part& b,
                           compare_context& ctx) {
  if (a.lo_closed != b.lo_closed || a.hi_closed != b.hi_closed) {
    ctx.reason = "open and closed ends differ";
    return verdict_kind::not_equal;
  }
  auto lo = compare_scalars(a.lo, b.lo, ctx);
  if (lo != verdict_kind::equal)
    return lo;
  auto hi = compare_scalars(a.hi, b.hi, ctx);
  if (hi == verdict_kind::equal)
    ctx.reason = "same interval";
  return hi;
}

/// Splits an inequality into (d, strict) with the meaning d < 0 or d <= 0.
bool oriented_difference(const node& rel, node& d, bool& strict) {
  if (rel.text.size() != 1 || rel.kids.size() != 2)
    return false;
  char op = rel.text[0];
  if (is_less(op))
    d = difference(rel.kids[0], rel.kids[1]);
  else if (is_greater(op))
    d = difference(rel.kids[1], rel.kids[0]);
  else
    return false;
  strict = !is_inclusive(op);
  return true;
}

bool is_equation(const node& n) {
  return n.kind == node_kind::relation && n.text == "=";
}

/// The letter that a name starts with (see is_label_of()), or nullptr when
/// `n` is not a name.
const node* name_head(const node& n) {
  switch (n.kind) {
  case node_kind::symbol:
    return &n;
  case node_kind::abs:
    return name_head(n.kids.at(0));
  case node_kind::pow: {
    // f^{-1}, the inverse of f.
    const auto& e = n.kids.at(1);
    bool inverse = e.kind == node_kind::neg && e.kids.size() == 1
                   && e.kids[0].kind == node_kind::number
                   && e.kids[0].digits == "1" && e.kids[0].exp10 == 0;
    return inverse ? name_head(n.kids.at(0)) : nullptr;
  }
  case node_kind::mul: {
    // AB, xy, g(t), f(3), P(A), f^{-1}(x): a letter, then letters and
    // numbers.
    const node* head = name_head(n.kids.front());
    if (head == nullptr || n.kids.front().kind == node_kind::abs)
      return nullptr;
    for (std::size_t i = 1; i < n.kids.size(); ++i) {
      // The letters e and i of a word ("Area") parse as constants.
      auto k = n.kids[i].kind;
      if (k != node_kind::symbol && k != node_kind::number
          && k != node_kind::euler && k != node_kind::imaginary)
        return nullptr;
    }
    return head;
  }
  default:
    return nullptr;
  }
}

bool mentions(const node& tree, const std::string& name) {
  std::vector<std::string> names;
  collect_symbols(tree, names);
  return std::binary_search(names.begin(), names.end(), name);
}

/// The one rule for equation prefixes: `side` labels the value on the other
/// side of an equation when it is a name (a variable `x`, `a_1`; letters
/// `AB`, `xy`; a function applied to letters or numbers `g(t)`, `f(3)`,
/// `P(A)`, `f^{-1}(x)`; the absolute value of a name `|PQ|`; a tuple of
/// variables `(x, y)`) and its first letter does not occur in the value
/// (`x = x + 1` defines nothing).
bool is_label_of(const node& side, const node& value) {
  if (side.kind == node_kind::tuple && !side.kids.empty()) {
    for (const auto& k : side.kids)
      if (!is_lone_symbol(k))
        return false;
    return true;
  }
  const node* head = name_head(side);
  return head != nullptr && !mentions(value, head->text);
}

} // namespace

std::optional<std::vector<interval_part>> as_interval_set(const node& n) {
  switch (n.kind) {
  case node_kind::interval:
    if (!is_scalar(n.kids[0]) || !is_scalar(n.kids[1]))
      return std::nullopt;
    return std::vector<interval_part>{
      make_part(n.kids[0], n.kids[1], n.text[0] == '[', n.text[1] == ']')};
  case node_kind::tuple:
    if (n.kids.size() != 2 || n.text != "()" || !is_scalar(n.kids[0])
        || !is_scalar(n.kids[1]))
      return std::nullopt;
    return std::vector<interval_part>{
      make_part(n.kids[0], n.kids[1], false, false)};
  case node_kind::relation:
    return relation_set(n);
  case node_kind::set: {
    // Isolated points inside a union: {3} is [3, 3].
    std::vector<interval_part> parts;
    for (const auto& k : n.kids) {
      if (!is_scalar(k) || has_plus_minus(k))
        return std::nullopt;
      parts.push_back(make_part(k, k, true, true));
    }
    return parts;
  }
  case node_kind::union_of:
  case node_kind::list: {
    std::vector<interval_part> parts;
    for (const auto& k : n.kids) {
      auto sub = as_interval_set(k);
      if (!sub)
        return std::nullopt;
      for (auto& p : *sub)
        parts.push_back(std::move(p));
    }
    return parts;
  }
  default:
    return std::nullopt;
  }
}

verdict_kind compare_interval_sets(const std::vector<interval_part>& a,
                                   const std::vector<interval_part>& b,
                                   compare_context& ctx) {
  if (a.size() != b.size()) {
    ctx.reason =
      std::to_string(a.size()) + " intervals vs " + std::to_string(b.size());
    return verdict_kind::not_equal;
  }
  std::vector<bool> used(b.size(), false);
  bool any_unknown = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool found = false;
    for (std::size_t step = 0; step < b.size() && !found; ++step) {
      std::size_t j = (i + step) % b.size();
      if (used[j])
        continue;
      auto v = compare_parts(a[i], b[j], ctx);
      if (v == verdict_kind::equal) {
        used[j] = true;
        found = true;
      } else if (v == verdict_kind::unknown) {
        any_unknown = true;
      }
    }
    if (!found) {
      if (!any_unknown)
        ctx.reason = "interval " + std::to_string(i + 1) + " has no match";
      return any_unknown ? verdict_kind::unknown : verdict_kind::not_equal;
    }
  }
  ctx.reason = "same intervals";
  return verdict_kind::equal;
}

verdict_kind compare_relations(const node& a, const node& b,
                               compare_context& ctx) {
  bool ea = is_equation(a);
  bool eb = is_equation(b);
  if (ea != eb) {
    ctx.reason = "an equation vs an inequality";
    return verdict_kind::not_equal;
  }
  if (ea) {
    if (!is_scalar(a.kids[0]) || !is_scalar(a.kids[1]) || !is_scalar(b.kids[0])
        || !is_scalar(b.kids[1])) {
      // (x, y) = (1, 2) against another such equation: compare the sides.
      auto l = compare_trees(a.kids[0], b.kids[0], ctx);
      if (l != verdict_kind::equal)
        return l;
      return compare_trees(a.kids[1], b.kids[1], ctx);
    }
    return compare_proportional(difference(a.kids[0], a.kids[1]),
                                difference(b.kids[0], b.kids[1]), false, ctx);
  }
  auto sa = relation_set(a);
  auto sb = relation_set(b);
  if (sa && sb)
    return compare_interval_sets(*sa, *sb, ctx);
  node da;
  node db;
  bool strict_a = false;
  bool strict_b = false;
  if (a.text == "n" && b.text == "n")
    return compare_proportional(difference(a.kids[0], a.kids[1]),
                                difference(b.kids[0], b.kids[1]), false, ctx);
  if (!oriented_difference(a, da, strict_a)
      || !oriented_difference(b, db, strict_b)) {
    ctx.reason = "unsupported chain of relations";
    return verdict_kind::unknown;
  }
  if (strict_a != strict_b) {
    ctx.reason = "strict vs non-strict inequality";
    return verdict_kind::not_equal;
  }
  return compare_proportional(da, db, true, ctx);
}

verdict_kind compare_equation_with(const node& eq, const node& other,
                                   compare_context& ctx) {
  const auto& lhs = eq.kids[0];
  const auto& rhs = eq.kids[1];
  if (is_label_of(lhs, rhs))
    return compare_trees(rhs, other, ctx);
  if (is_label_of(rhs, lhs))
    return compare_trees(lhs, other, ctx);
  ctx.reason = "an equation vs a value";
  return verdict_kind::not_equal;
}

} // namespace kpsynth::text
