#include "report/report_embed.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace kpsynth::quality {

double cosine(const sparse_vector& a, const sparse_vector& b) {
  double dot = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.index.size() && j < b.index.size()) {
    if (a.index[i] < b.index[j]) {
      ++i;
    } else if (b.index[j] < a.index[i]) {
      ++j;
    } else {
      dot += static_cast<double>(a.value[i]) * b.value[j];
      ++i;
      ++j;
    }
  }
  return dot;
}

void normalise(sparse_vector& v) {
  double norm = 0;
  for (auto x : v.value)
    norm += static_cast<double>(x) * x;
  std::size_t out = 0;
  if (norm > 0) {
    auto scale = 1.0 / std::sqrt(norm);
    for (std::size_t i = 0; i < v.value.size(); ++i) {
      if (v.value[i] == 0.0f)
        continue;
      v.index[out] = v.index[i];
      v.value[out] = static_cast<float>(v.value[i] * scale);
      ++out;
    }
  }
  v.index.resize(out);
  v.value.resize(out);
}

std::vector<std::string> lexical_features(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty())
      words.push_back(std::move(word));
    word.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z')
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      word.push_back(static_cast<char>(c));
    else
      flush();
  }
  flush();
  std::vector<std::string> features;
  features.reserve(words.size() * 2);
  for (std::size_t i = 0; i < words.size(); ++i) {
    features.push_back(words[i]);
    if (i + 1 < words.size())
      features.push_back(words[i] + " " + words[i + 1]);
  }
  return features;
}

uint32_t lexical_embedder::bucket(std::string_view feature) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : feature) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return static_cast<uint32_t>((h ^ (h >> 32)) & (dims - 1));
}

namespace {

/// Bucket -> term frequency of one text, sorted by bucket.
std::vector<std::pair<uint32_t, uint32_t>> term_counts(std::string_view text) {
  std::vector<uint32_t> buckets;
  for (auto& f : lexical_features(text))
    buckets.push_back(lexical_embedder::bucket(f));
  std::sort(buckets.begin(), buckets.end());
  std::vector<std::pair<uint32_t, uint32_t>> counts;
  for (auto b : buckets) {
    if (!counts.empty() && counts.back().first == b)
      ++counts.back().second;
    else
      counts.emplace_back(b, 1);
  }
  return counts;
}

} // namespace

void lexical_embedder::add_document(std::string_view text) {
  ++documents_;
  for (auto [b, n] : term_counts(text))
    ++df_[b];
}

sparse_vector lexical_embedder::embed(std::string_view text) const {
  sparse_vector v;
  auto n = static_cast<double>(documents_);
  for (auto [b, tf] : term_counts(text)) {
    auto it = df_.find(b);
    double df = it == df_.end() ? 0.0 : it->second;
    double idf = std::log((1.0 + n) / (1.0 + df));
    double w = (1.0 + std::log(static_cast<double>(tf))) * idf;
    v.index.push_back(b);
    v.value.push_back(static_cast<float>(w));
  }
  normalise(v);
  return v;
}

sparse_vector from_dense(std::span<const float> x) {
  sparse_vector v;
  for (std::size_t i = 0; i < x.size(); ++i) {
    v.index.push_back(static_cast<uint32_t>(i));
    v.value.push_back(x[i]);
  }
  normalise(v);
  return v;
}

result<embedding_table> parse_embeddings(std::string_view content,
                                         std::string_view where) {
  embedding_table table;
  table.source = std::string{where};
  core::json_parser parser;
  std::string place;
  std::vector<float> dense;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string_view::npos)
      end = content.size();
    auto line = content.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    place = fmt::format("{}:{}", where, line_no);
    auto doc = parser.parse(line, place);
    if (!doc)
      return doc.error();
    auto id = doc->get_string("id");
    if (!id)
      return id.error();
    auto emb = doc->at("embedding");
    if (!emb)
      return emb.error();
    auto arr = emb->as_array();
    if (!arr)
      return arr.error();
    dense.clear();
    for (auto x : *arr) {
      auto d = x.as_double();
      if (!d)
        return d.error();
      dense.push_back(static_cast<float>(*d));
    }
    if (dense.empty())
      return emb->error("empty embedding");
    if (table.dims == 0)
      table.dims = dense.size();
    else if (dense.size() != table.dims)
      return emb->error(fmt::format("has {} dimensions, earlier lines {}",
                                    dense.size(), table.dims));
    auto [it, fresh] = table.vectors.emplace(std::string{*id}, sparse_vector{});
    if (!fresh)
      return doc->at("id")->error(
        fmt::format("duplicate id '{}'", core::sanitize_utf8(*id)));
    it->second = from_dense(dense);
  }
  return table;
}

result<embedding_table> load_embeddings(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot open embeddings file",
                        file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  auto table = parse_embeddings(buf.str(), file.string());
  if (table)
    table->source = file.string();
  return table;
}

std::vector<nearest> nearest_neighbours(std::span<const sparse_vector> queries,
                                        std::span<const sparse_vector> corpus) {
  std::vector<nearest> out(queries.size());
  if (corpus.empty())
    return out;
  // Inverted index: bucket -> (corpus index, value).
  std::unordered_map<uint32_t, std::vector<std::pair<uint32_t, float>>> posts;
  for (std::size_t j = 0; j < corpus.size(); ++j)
    for (std::size_t k = 0; k < corpus[j].index.size(); ++k)
      posts[corpus[j].index[k]].emplace_back(static_cast<uint32_t>(j),
                                             corpus[j].value[k]);
  std::vector<double> acc(corpus.size(), 0.0);
  std::vector<uint8_t> hit(corpus.size(), 0);
  std::vector<uint32_t> touched;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    touched.clear();
    auto& q = queries[i];
    for (std::size_t k = 0; k < q.index.size(); ++k) {
      auto it = posts.find(q.index[k]);
      if (it == posts.end())
        continue;
      auto w = static_cast<double>(q.value[k]);
      for (auto [j, v] : it->second) {
        if (!hit[j]) {
          hit[j] = 1;
          touched.push_back(j);
        }
        acc[j] += w * v;
      }
    }
    nearest best{0.0, SIZE_MAX};
    for (auto j : touched)
      if (best.index == SIZE_MAX || acc[j] > best.similarity
          || (acc[j] == best.similarity && j < best.index))
        best = {acc[j], j};
    // Corpus vectors that share no feature score 0: the first of them wins
    // if nothing scored above 0.
    if (touched.size() < corpus.size()
        && (best.index == SIZE_MAX || best.similarity <= 0)) {
      std::size_t zero = 0;
      while (hit[zero])
        ++zero;
      if (best.index == SIZE_MAX || best.similarity < 0 || zero < best.index)
        best = {0.0, zero};
    }
    for (auto j : touched) {
      acc[j] = 0.0;
      hit[j] = 0;
    }
    out[i] = best;
  }
  return out;
}

} // namespace kpsynth::quality
