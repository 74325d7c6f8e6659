#pragma once

#include "core/result.hpp"
#include "text/budget.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace kpsynth::text {

/// Token kinds of a normalised answer.
enum class token_kind : std::uint8_t {
  end,
  number,  ///< "12", "0.5", ".25", "1e-05"
  letter,  ///< one letter: a variable, `e` or `i`
  word,    ///< a known word ("sin", "pi", "or") or a prose word
  command, ///< `\name`; `text` holds the name without the backslash
  lparen,
  rparen,
  lbrack,
  rbrack,
  lbrace,
  rbrace,
  lset, ///< `\{`
  rset, ///< `\}`
  plus,
  minus,
  star,  ///< `*`, `\cdot`
  slash, ///< `/`, `\div`
  caret,
  underscore,
  comma,
  semicolon,
  bang,
  pipe,
  amp,
  row_sep, ///< `\\`
  equals,
  less,
  greater,
  less_eq,
  greater_eq,
  not_eq_, ///< `\ne`, `!=`
  percent,
  other,
};

/// One token. `text` points into the normalised answer, which must outlive
/// the token vector.
struct token {
  token_kind kind = token_kind::end;
  std::string_view text;
  std::size_t pos = 0;       ///< Byte offset in the normalised answer.
  bool space_before = false; ///< Matters for mixed numbers ("2 1/2").
};

/// Splits a normalised answer into tokens, ending with one `end` token.
///
/// Letter runs become one `word` when they are known words (function names,
/// "pi", "or", ...). Other runs are split into single letters, because `xy`
/// means x*y, except in prose answers (no digits, no operators, no
/// commands), where a run of two or more letters is a word such as "Monday".
/// Spends one budget step per token; fails with code "budget" when it runs
/// out.
result<std::vector<token>> tokenize(std::string_view normalized, budget& b);

/// True for the words the tokenizer treats as function names.
bool is_function_word(std::string_view word);

/// True for the names of Greek letters that answers use as variables
/// (`\theta`, `\alpha`, `\Omega`); `\pi` is the constant, not listed.
bool is_greek_letter(std::string_view command);

} // namespace kpsynth::text
