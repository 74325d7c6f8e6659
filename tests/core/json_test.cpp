#include "core/json.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using kpsynth::core::append_json_string;
using kpsynth::core::is_valid_utf8;
using kpsynth::core::json_parser;
using kpsynth::core::json_quote;
using kpsynth::core::json_value;
using kpsynth::core::json_writer;
using kpsynth::core::sanitize_utf8;
using kpsynth::core::utf8_prefix;

namespace {

/// Parses `json` (which must be a JSON string literal) back to its text.
std::string reparse_string(const std::string& json) {
  simdjson::dom::parser p;
  std::string_view s;
  auto err = p.parse(json).get_string().get(s);
  REQUIRE(err == simdjson::SUCCESS);
  return std::string(s);
}

const std::string fffd = "\xEF\xBF\xBD";

} // namespace

TEST_CASE("append_json_string escapes what JSON requires") {
  CHECK(json_quote("plain") == "\"plain\"");
  CHECK(json_quote("") == "\"\"");
  CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_quote("l1\nl2\r\t\b\f") == "\"l1\\nl2\\r\\t\\b\\f\"");
  CHECK(json_quote(std::string("\x01\x1f\x00", 3))
        == "\"\\u0001\\u001f\\u0000\"");
  CHECK(json_quote("\x7f/") == "\"\x7f/\""); // DEL and '/' need no escape
  // Long runs go through the eight-bytes-at-a-time path.
  std::string latex = "Let $x = \\frac{1}{2}$ and \"y\" be 0123456789abcdef";
  CHECK(reparse_string(json_quote(latex)) == latex);
  std::string out = "prefix:";
  append_json_string(out, "v");
  CHECK(out == "prefix:\"v\"");
}

TEST_CASE("valid UTF-8 passes through unchanged") {
  for (std::string s :
       {"caf\xC3\xA9", "\xE4\xB8\xAD\xE6\x96\x87", "\xF0\x9F\x98\x80 emoji",
        "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF", "\xE2\x80\xA8"}) {
    CHECK(json_quote(s) == "\"" + s + "\"");
    CHECK(is_valid_utf8(s));
  }
}

TEST_CASE("invalid UTF-8 becomes U+FFFD, one per maximal subpart") {
  CHECK(json_quote("a\x80z") == "\"a" + fffd + "z\"");
  // Truncated 4-byte sequence followed by ASCII: one replacement.
  CHECK(json_quote("\xF0\x9F\x98"
                   "A")
        == "\"" + fffd + "A\"");
  // Truncated at the end of input.
  CHECK(json_quote("x\xE2\x82") == "\"x" + fffd + "\"");
  // Overlong encoding of '/': C0 is never valid, AF alone is invalid.
  CHECK(json_quote("\xC0\xAF") == "\"" + fffd + fffd + "\"");
  // UTF-16 surrogate D800 encoded in UTF-8.
  CHECK(json_quote("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");
  // Above U+10FFFF.
  CHECK(json_quote("\xF4\x90\x80\x80")
        == "\"" + fffd + fffd + fffd + fffd + "\"");
  CHECK(json_quote("\xFF") == "\"" + fffd + "\"");
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));
  CHECK(sanitize_utf8("ok\xFFok") == "ok" + fffd + "ok");
  CHECK(sanitize_utf8("fine") == "fine");
}

TEST_CASE("append_json_string output is always valid JSON") {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 40);
  for (int round = 0; round < 2000; ++round) {
    std::string s(static_cast<std::size_t>(len(rng)), '\0');
    for (auto& c : s)
      c = static_cast<char>(byte(rng));
    auto json = json_quote(s);
    INFO("round " << round);
    REQUIRE(is_valid_utf8(json));
    auto back = reparse_string(json);
    CHECK(back == sanitize_utf8(s));
    if (is_valid_utf8(s))
      CHECK(back == s);
  }
}

TEST_CASE("utf8_prefix never cuts inside a sequence") {
  std::string s = "ab\xE4\xB8\xAD"
                  "cd";
  CHECK(utf8_prefix(s, 100) == s);
  CHECK(utf8_prefix(s, 2) == "ab");
  CHECK(utf8_prefix(s, 3) == "ab");
  CHECK(utf8_prefix(s, 4) == "ab");
  CHECK(utf8_prefix(s, 5) == "ab\xE4\xB8\xAD");
}

TEST_CASE("json_writer places commas and brackets") {
  json_writer w;
  w.begin_object();
  w.key("a").number(1);
  w.key("b").begin_array().number(-2).string("x").null().boolean(false);
  w.begin_object().end_object().begin_array().end_array().end_array();
  w.key("c").raw("{\"pre\":true}");
  w.key("d").boolean(true);
  w.end_object();
  CHECK(
    w.str()
    == R"({"a":1,"b":[-2,"x",null,false,{},[]],"c":{"pre":true},"d":true})");
  auto text = w.take();
  CHECK(w.str().empty());
  w.begin_array().number(3).end_array();
  CHECK(w.str() == "[3]"); // take() also reset the comma state
  json_writer prefixed{std::string("data: ")};
  prefixed.begin_object().key("k").string("v").end_object();
  CHECK(prefixed.str() == R"(data: {"k":"v"})");
}

TEST_CASE("json_writer numbers") {
  json_writer w;
  w.begin_array();
  w.number(std::numeric_limits<uint64_t>::max());
  w.number(std::numeric_limits<int64_t>::min());
  w.number(uint32_t{7});
  w.number(0.1);
  w.number(1e300);
  w.number(-0.5);
  w.number(std::nan(""));
  w.number(std::numeric_limits<double>::infinity());
  w.number(0.1f);
  w.end_array();
  CHECK(w.str()
        == "[18446744073709551615,-9223372036854775808,7,0.1,1e+300,-0.5,"
           "null,null,0.1]");
}

TEST_CASE("doubles round-trip exactly through json_writer and simdjson") {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> mant(-1, 1);
  std::uniform_int_distribution<int> ex(-300, 300);
  simdjson::dom::parser p;
  for (int i = 0; i < 2000; ++i) {
    double d = std::ldexp(mant(rng), ex(rng));
    json_writer w;
    w.begin_array().number(d).end_array();
    double back = 0;
    REQUIRE(p.parse(w.str()).at(0).get_double().get(back) == simdjson::SUCCESS);
    CHECK(back == d);
  }
}

TEST_CASE("reading helpers name the JSON path in errors") {
  json_parser p;
  auto doc = p.parse(R"({"choices":[{"message":{"content":5,"n":null}},
                         {"message":{"content":"ok"}}],
                         "usage":{"prompt_tokens":-1,"big":1e30,"f":1.5,
                                  "whole":100.0}})",
                     "POST http://h/v1/chat/completions");
  REQUIRE(doc);
  const json_value& root = *doc;
  auto choices = root.at("choices");
  REQUIRE(choices);
  auto arr = choices->as_array();
  REQUIRE(arr);
  CHECK(arr->size() == 2);
  std::vector<json_value> items;
  for (json_value c : *arr)
    items.push_back(c);
  REQUIRE(items.size() == 2);
  auto msg = items[0].at("message");
  REQUIRE(msg);
  auto content = msg->get_string("content");
  REQUIRE_FALSE(content);
  CHECK(content.error().message
        == "choices[0].message.content: expected string, got number");
  CHECK(content.error().where == "POST http://h/v1/chat/completions");
  CHECK(content.error().code == "bad_field");
  auto role = msg->get_string("role");
  REQUIRE_FALSE(role);
  CHECK(role.error().message == "choices[0].message.role: missing");
  CHECK(*msg->get_string_or("n", "dflt") == "dflt");  // null
  CHECK(*msg->get_string_or("zz", "dflt") == "dflt"); // absent
  CHECK(*items[1].at("message")->get_string("content") == "ok");

  auto usage = root.at("usage");
  REQUIRE(usage);
  auto neg = usage->get_integer<uint32_t>("prompt_tokens");
  REQUIRE_FALSE(neg);
  CHECK(neg.error().message
        == "usage.prompt_tokens: expected integer in [0, 4294967295]");
  auto big = usage->get_integer<int64_t>("big");
  REQUIRE_FALSE(big);
  CHECK(big.error().message
        == "usage.big: expected integer in [-9223372036854775808, "
           "9223372036854775807]");
  auto frac = usage->get_integer<int>("f");
  REQUIRE_FALSE(frac);
  CHECK(frac.error().message
        == "usage.f: expected integer, got non-integer number");
  CHECK(*usage->get_integer<uint32_t>("whole") == 100);
  CHECK(*usage->get_integer_or<uint32_t>("absent", 7) == 7);
  CHECK(*usage->get_double("f") == 1.5);
  auto not_obj = items[0].at("message")->at("content")->at("x");
  REQUIRE_FALSE(not_obj);
  CHECK(not_obj.error().message
        == "choices[0].message.content: expected object, got number");
  CHECK_FALSE(root.find("nope"));
  CHECK_FALSE(items[0].at("message")->at("content")->find("x"));
}

TEST_CASE("paths quote odd keys and elide deep prefixes") {
  json_parser p;
  auto doc = p.parse(R"({"a.b":{"x y":[[[[[[[[[1]]]]]]]]]}})", "f.json:3");
  REQUIRE(doc);
  auto odd = doc->at("a.b");
  REQUIRE(odd);
  auto inner = odd->at("x y");
  REQUIRE(inner);
  CHECK(inner->path() == "[\"a.b\"][\"x y\"]");
  json_value v = *inner;
  while (v.is_array())
    v = *(*v.as_array()).begin();
  CHECK(v.path() == "...[0][0][0][0][0][0][0][0]");
  CHECK(doc->path() == "(root)");
  CHECK(doc->error("boom").to_string() == "f.json:3: (root): boom [bad_field]");
}

TEST_CASE("objects iterate in document order") {
  json_parser p;
  auto doc = p.parse(R"({"z":1,"a":"two","m":[3]})", "x");
  REQUIRE(doc);
  auto obj = doc->as_object();
  REQUIRE(obj);
  std::vector<std::string> keys;
  for (auto member : *obj) {
    keys.emplace_back(member.key);
    if (member.key == "a") {
      auto n = member.value.as_integer<int>();
      REQUIRE_FALSE(n);
      CHECK(n.error().message == "a: expected integer, got string");
    }
  }
  CHECK(keys == std::vector<std::string>{"z", "a", "m"});
}

TEST_CASE("json_parser reports syntax errors with the place") {
  json_parser p;
  for (std::string_view bad : {"", "{", "{\"a\":}", "[1,]", "nul", "{} x"}) {
    auto doc = p.parse(bad, "seeds.jsonl:17");
    REQUIRE_FALSE(doc);
    CHECK(doc.error().code == "bad_json");
    CHECK(doc.error().where == "seeds.jsonl:17");
    CHECK(doc.error().message.find("invalid JSON") == 0);
  }
  // The parser is reusable after an error.
  auto ok = p.parse("[true]", "w");
  REQUIRE(ok);
  CHECK(*(*(*ok->as_array()).begin()).as_bool());
}
