#include "text/ast.hpp"

#include <algorithm>

namespace kpsynth::text {

bool is_scalar_kind(node_kind kind) {
  switch (kind) {
  case node_kind::relation:
  case node_kind::interval:
  case node_kind::tuple:
  case node_kind::set:
  case node_kind::union_of:
  case node_kind::list:
  case node_kind::matrix:
  case node_kind::empty_set:
  case node_kind::text:
    return false;
  default:
    return true;
  }
}

bool is_scalar(const node& n) {
  if (!is_scalar_kind(n.kind))
    return false;
  return std::all_of(n.kids.begin(), n.kids.end(),
                     [](const node& k) { return is_scalar(k); });
}

bool has_approximate(const node& n) {
  if (n.kind == node_kind::number && n.approximate)
    return true;
  return std::any_of(n.kids.begin(), n.kids.end(),
                     [](const node& k) { return has_approximate(k); });
}

bool has_plus_minus(const node& n) {
  return contains(n, node_kind::plus_minus)
         || contains(n, node_kind::minus_plus);
}

bool contains(const node& n, node_kind kind) {
  if (n.kind == kind)
    return true;
  return std::any_of(n.kids.begin(), n.kids.end(),
                     [&](const node& k) { return contains(k, kind); });
}

void collect_symbols(const node& n, std::vector<std::string>& out) {
  if (n.kind == node_kind::symbol) {
    auto pos = std::lower_bound(out.begin(), out.end(), n.text);
    if (pos == out.end() || *pos != n.text)
      out.insert(pos, n.text);
  }
  for (const auto& k : n.kids)
    collect_symbols(k, out);
}

std::size_t tree_size(const node& n) {
  std::size_t total = 1;
  for (const auto& k : n.kids)
    total += tree_size(k);
  return total;
}

namespace {

std::string_view kind_name(node_kind kind) {
  switch (kind) {
  case node_kind::number:
    return "num";
  case node_kind::symbol:
    return "sym";
  case node_kind::pi:
    return "pi";
  case node_kind::euler:
    return "e";
  case node_kind::imaginary:
    return "i";
  case node_kind::infinity:
    return "inf";
  case node_kind::literal:
    return "lit";
  case node_kind::add:
    return "add";
  case node_kind::neg:
    return "neg";
  case node_kind::mul:
    return "mul";
  case node_kind::div:
    return "div";
  case node_kind::pow:
    return "pow";
  case node_kind::plus_minus:
    return "pm";
  case node_kind::minus_plus:
    return "mp";
  case node_kind::func:
    return "func";
  case node_kind::root:
    return "root";
  case node_kind::log_base:
    return "log";
  case node_kind::factorial:
    return "fact";
  case node_kind::binom:
    return "binom";
  case node_kind::abs:
    return "abs";
  case node_kind::percent:
    return "pct";
  case node_kind::relation:
    return "rel";
  case node_kind::interval:
    return "interval";
  case node_kind::tuple:
    return "tuple";
  case node_kind::set:
    return "set";
  case node_kind::union_of:
    return "union";
  case node_kind::list:
    return "list";
  case node_kind::matrix:
    return "matrix";
  case node_kind::empty_set:
    return "empty";
  case node_kind::text:
    return "text";
  }
  return "?";
}

} // namespace

std::string to_debug_string(const node& n) {
  std::string out{kind_name(n.kind)};
  if (n.kind == node_kind::number) {
    out = n.digits;
    if (n.exp10 != 0) {
      out += 'e';
      out += std::to_string(n.exp10);
    }
    return out;
  }
  if (!n.text.empty()) {
    out += '[';
    out += n.text;
    out += ']';
  }
  if (!n.kids.empty()) {
    out += '(';
    for (std::size_t i = 0; i < n.kids.size(); ++i) {
      if (i > 0)
        out += ',';
      out += to_debug_string(n.kids[i]);
    }
    out += ')';
  }
  return out;
}

} // namespace kpsynth::text
