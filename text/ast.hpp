#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kpsynth::text {

/// Node kinds of a parsed answer. Scalars (numbers through `percent`) can
/// be handed to the numeric evaluator and to GiNaC; the rest are the
/// structures that answers come in.
enum class node_kind : std::uint8_t {
  // -- scalar leaves
  number,    ///< `digits` x 10^`exp10`; `approximate` when written with '.'.
  symbol,    ///< `text` is the name, e.g. "x" or "a_1".
  pi,        ///< The constant pi.
  euler,     ///< The constant e.
  imaginary, ///< The imaginary unit i.
  infinity,  ///< Only meaningful as an interval end or a whole answer.
  literal,   ///< An answer compared verbatim, e.g. the base-5 number "204_5".
  // -- scalar operations
  add,        ///< Sum of the children.
  neg,        ///< Negation of the only child.
  mul,        ///< Product of the children.
  div,        ///< kids[0] / kids[1].
  pow,        ///< kids[0] ^ kids[1].
  plus_minus, ///< `\pm` kid: +kid or -kid (one shared choice per answer).
  minus_plus, ///< `\mp` kid: the opposite choice of `\pm`.
  func,       ///< `text` names the function of the only child ("sin", ...).
  root,       ///< kids[0]-th root of kids[1] (real root for odd index).
  log_base,   ///< log of kids[1] to base kids[0].
  factorial,  ///< kids[0]!
  binom,      ///< kids[0] choose kids[1].
  abs,        ///< |kids[0]|
  percent,    ///< kids[0] percent; compared as a number and/or a fraction.
  // -- structures
  relation,  ///< kids joined by the operators in `text` (see below).
  interval,  ///< kids[0], kids[1]; `text` holds the two brackets, "[)".
  tuple,     ///< Ordered; `text` holds the brackets, "()" or "[]".
  set,       ///< `\{...\}`, order-insensitive.
  union_of,  ///< Union of intervals and sets.
  list,      ///< Several answers separated by commas, "or", "and".
  matrix,    ///< kids are rows; every row is a `tuple`.
  empty_set, ///< `\emptyset`.
  text,      ///< A word answer; `text` is the comparison key.
};

/// One node of a parsed answer. A plain tree with value semantics: answers
/// are small (inputs are capped at a few thousand characters) and copying
/// keeps the comparison code free of lifetime questions.
///
/// Relation operators in `text`, one per gap between kids: '=' equal,
/// '<' less, 'l' less or equal, '>' greater, 'g' greater or equal,
/// 'n' not equal.
struct node {
  node_kind kind = node_kind::number;
  std::string text;
  std::string digits;       ///< number: decimal digits without the point.
  int exp10 = 0;            ///< number: value = digits * 10^exp10.
  bool approximate = false; ///< number: written as a decimal.
  std::vector<node> kids;
};

/// Builds a node with children.
inline node make_node(node_kind kind, std::vector<node> kids = {},
                      std::string text = {}) {
  node n;
  n.kind = kind;
  n.kids = std::move(kids);
  n.text = std::move(text);
  return n;
}

/// An exact integer literal.
inline node make_integer(long long value) {
  node n;
  n.kind = node_kind::number;
  bool negative = value < 0;
  n.digits = std::to_string(negative ? -value : value);
  if (negative)
    return make_node(node_kind::neg, {std::move(n)});
  return n;
}

/// True for kinds that denote a single (complex) number or an operation on
/// numbers; false for structures (tuples, sets, relations, text, ...).
bool is_scalar_kind(node_kind kind);

/// True when the whole tree denotes a single (complex) number.
bool is_scalar(const node& n);

/// True when any number in the tree was written as a decimal, which makes
/// the comparison numeric with tolerance.
bool has_approximate(const node& n);

/// True when the tree contains `\pm` or `\mp`.
bool has_plus_minus(const node& n);

/// True when the tree contains a node of `kind`.
bool contains(const node& n, node_kind kind);

/// Adds the names of all symbols in the tree to `out` (sorted, unique).
void collect_symbols(const node& n, std::vector<std::string>& out);

/// Number of nodes in the tree.
std::size_t tree_size(const node& n);

/// A compact rendering for reasons and debugging, e.g. "add(x,neg(3))".
std::string to_debug_string(const node& n);

} // namespace kpsynth::text
