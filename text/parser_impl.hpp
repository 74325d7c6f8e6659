#pragma once

#include "text/ast.hpp"
#include "text/budget.hpp"
#include "text/lexer.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

/// Internal to parser.cpp and parser_primary.cpp: the recursive-descent
/// parser behind parse_answer(), split in two files to keep each short.
namespace kpsynth::text::detail {

/// Internal error; converted to a `problem` at the API boundary.
struct parse_failure {
  std::string code;
  std::string message;
  std::size_t pos;
};

bool is_word(const token& t, std::string_view w);
bool is_command(const token& t, std::string_view name);
bool is_plain_integer(const token& t);

/// Compares two digit strings as non-negative integers.
bool integer_less(std::string_view a, std::string_view b);

/// A number node from a number token's text ("0.5", "1e-05").
node number_from(std::string_view s);

/// "ln" is "log", "arcsin" is "asin", and so on.
std::string canonical_function(std::string_view name);

/// The grammar of parse_answer(); one instance per parse.
class parser {
 public:
  parser(std::vector<token> tokens, budget& b, std::size_t max_depth)
    : tokens_(std::move(tokens)), budget_(b), max_depth_(max_depth) {}

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
    if (!is_scalar_kind(n.kind))
      fail("syntax", "a tuple, set or relation cannot be used in arithmetic",
           at);
  }

  // -- answers, items and arithmetic (parser.cpp) ---------------------------

  bool at_separator() const;
  std::vector<node> parse_sequence();
  node parse_item();
  node parse_union();
  static char relation_char(token_kind kind);
  node parse_relation();
  node parse_sum();
  bool starts_factor(const token& t) const;
  bool ends_term(const token& t) const;
  /// `2 1/2` and `2\frac{1}{2}` are mixed numbers: 2 + 1/2.
  bool parse_mixed_fraction(node& acc);
  node parse_term();
  node parse_unary();
  node parse_exponent();
  node parse_power();
  void guard_postfix();
  node parse_postfix();

  // -- primaries (parser_primary.cpp) ---------------------------------------

  node parse_braced();
  /// Reads a subscript after '_' as plain text: `x_1`, `a_{n+1}`.
  std::string parse_subscript();
  node parse_primary();
  std::vector<node> parse_bracket_items(token_kind close);
  node parse_bracketed();
  node parse_word();
  node parse_command();
  node parse_function(std::string name);
  std::string read_group_text();
  node parse_matrix(const token& begin);

  std::vector<token> tokens_;
  std::size_t pos_ = 0;
  budget& budget_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::size_t postfix_count_ = 0;
  int abs_depth_ = 0;
};

} // namespace kpsynth::text::detail
