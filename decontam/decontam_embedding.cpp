#include "decontam/decontam_embedding.hpp"

#include "decontam/decontam_jsonl.hpp"

#define XXH_INLINE_ALL
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <system_error>
#include <xxhash.h>

namespace kpsynth::quality {

// -- corpus -------------------------------------------------------------------

namespace {

/// The corpus order: by set name, then line, so that `find` is a binary
/// search.
bool before(const benchmark_text& a, std::string_view set, std::size_t line) {
  return a.set != set ? a.set < set : a.line < line;
}

} // namespace

result<benchmark_corpus>
benchmark_corpus::load(std::span<const benchmark_source> sources) {
  benchmark_corpus c;
  for (const auto& s : sources) {
    auto n = for_each_jsonl_text(
      s.path, s.fields, [&](std::size_t line, std::string_view text) {
        c.texts_.push_back({s.name, line, std::string{text}});
      });
    if (!n)
      return n.error();
  }
  // One sort instead of an insertion per record: sets load in file order,
  // not name order.
  std::stable_sort(c.texts_.begin(), c.texts_.end(),
                   [](const benchmark_text& a, const benchmark_text& b) {
                     return before(a, b.set, b.line);
                   });
  return c;
}

void benchmark_corpus::add(std::string set, std::size_t line,
                           std::string text) {
  benchmark_text t{std::move(set), line, std::move(text)};
  auto at =
    std::upper_bound(texts_.begin(), texts_.end(), t,
                     [](const benchmark_text& a, const benchmark_text& b) {
                       return before(a, b.set, b.line);
                     });
  texts_.insert(at, std::move(t));
}

std::optional<std::size_t> benchmark_corpus::find(std::string_view set,
                                                  std::size_t line) const {
  auto at = std::lower_bound(
    texts_.begin(), texts_.end(), 0,
    [&](const benchmark_text& a, int) { return before(a, set, line); });
  if (at == texts_.end() || at->set != set || at->line != line)
    return std::nullopt;
  return static_cast<std::size_t>(at - texts_.begin());
}

// -- index --------------------------------------------------------------------

namespace {

/// Dot product with eight independent sums, so that the compiler can keep
/// them in one vector register without reassociating (no -ffast-math).
float dot(const float* a, const float* b, std::size_t n) {
  std::array<float, 8> acc{};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  float sum = 0;
  for (float x : acc)
    sum += x;
  for (; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

/// Unit-length copy of `v`, or empty when its norm is zero or not finite.
std::vector<float> unit(std::span<const float> v) {
  double sq = 0;
  for (float x : v)
    sq += static_cast<double>(x) * x;
  if (!(sq > 0) || !std::isfinite(sq))
    return {};
  auto inv = static_cast<float>(1.0 / std::sqrt(sq));
  std::vector<float> out(v.begin(), v.end());
  for (auto& x : out)
    x *= inv;
  return out;
}

/// Keeps the best `k` neighbours, best first. k is small (a handful), so
/// an insertion into a sorted vector beats a heap.
void offer(std::vector<neighbour>& top, std::size_t k, neighbour n) {
  if (top.size() == k && top.back().cosine >= n.cosine)
    return;
  auto at = std::upper_bound(
    top.begin(), top.end(), n,
    [](const neighbour& a, const neighbour& b) { return a.cosine > b.cosine; });
  top.insert(at, n);
  if (top.size() > k)
    top.pop_back();
}

/// Rows compared against every query before moving on: 64 rows of 1024
/// floats are 256 KiB, which stays in a typical L2 cache.
constexpr std::size_t row_block = 64;

} // namespace

result<embedding_index> embedding_index::create(std::size_t dims) {
  if (dims == 0)
    return make_problem("invalid_argument",
                        "embedding dimension must be at least 1");
  return embedding_index{dims};
}

result<std::uint32_t> embedding_index::add(std::span<const float> v,
                                           std::string_view where) {
  if (v.size() != dims_)
    return make_problem(
      "bad_embedding",
      fmt::format("vector has {} dimensions, the index {}", v.size(), dims_),
      std::string{where});
  for (float x : v)
    if (!std::isfinite(x))
      return make_problem("bad_embedding", "vector has a non-finite value",
                          std::string{where});
  auto u = unit(v);
  if (u.empty())
    return make_problem("bad_embedding", "vector has zero length",
                        std::string{where});
  auto row = static_cast<std::uint32_t>(size());
  data_.insert(data_.end(), u.begin(), u.end());
  return row;
}

std::vector<neighbour> embedding_index::search(std::span<const float> query,
                                               std::size_t k,
                                               float min_cosine) const {
  std::vector<float> q(query.begin(), query.end());
  auto found =
    search_many(std::span<const std::vector<float>>{&q, 1}, k, min_cosine);
  return std::move(found.front());
}

std::vector<std::vector<neighbour>>
embedding_index::search_many(std::span<const std::vector<float>> queries,
                             std::size_t k, float min_cosine) const {
  std::vector<std::vector<neighbour>> out(queries.size());
  std::vector<std::vector<float>> units;
  units.reserve(queries.size());
  for (const auto& q : queries)
    units.push_back(q.size() == dims_ ? unit(q) : std::vector<float>{});
  if (k == 0)
    return out;
  const auto rows = size();
  for (std::size_t begin = 0; begin < rows; begin += row_block) {
    auto end = std::min(rows, begin + row_block);
    for (std::size_t qi = 0; qi < units.size(); ++qi) {
      if (units[qi].empty())
        continue;
      for (auto r = begin; r < end; ++r) {
        auto c = dot(units[qi].data(), data_.data() + r * dims_, dims_);
        if (c >= min_cosine)
          offer(out[qi], k, neighbour{static_cast<std::uint32_t>(r), c});
      }
    }
  }
  return out;
}

// -- cache --------------------------------------------------------------------

namespace {

constexpr std::array<char, 8> cache_magic{'K', 'P', 'E', 'M',
                                          'B', '0', '0', '1'};

template<class T>
void put(std::string& out, const T& x) {
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

/// Reads one fixed-size value; false at end of file.
template<class T>
bool get(std::istream& in, T& x) {
  return static_cast<bool>(in.read(reinterpret_cast<char*>(&x), sizeof x));
}

std::int64_t mtime_ns(const std::filesystem::path& p, std::error_code& err) {
  auto t = std::filesystem::last_write_time(p, err);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           t.time_since_epoch())
    .count();
}

} // namespace

result<std::uint64_t>
benchmark_fingerprint(std::span<const benchmark_source> sources) {
  std::string bytes;
  for (const auto& s : sources) {
    std::error_code err;
    auto size = std::filesystem::file_size(s.path, err);
    auto mtime = err ? 0 : mtime_ns(s.path, err);
    if (err)
      return make_problem("io_error", "cannot stat: " + err.message(),
                          s.path.string());
    bytes += s.name + '\0' + s.path.string() + '\0';
    for (const auto& f : s.fields)
      bytes += f + '\0';
    put(bytes, static_cast<std::uint64_t>(size));
    put(bytes, mtime);
  }
  return static_cast<std::uint64_t>(XXH3_64bits(bytes.data(), bytes.size()));
}

result<std::size_t> save_embeddings(const std::filesystem::path& file,
                                    const embedding_cache_key& key,
                                    const embedding_index& index) {
  std::string head(cache_magic.begin(), cache_magic.end());
  put(head, key.fingerprint);
  put(head, static_cast<std::uint64_t>(index.size()));
  put(head, static_cast<std::uint64_t>(index.dims()));
  put(head, static_cast<std::uint32_t>(key.model.size()));
  head += key.model;
  auto all = index.size() == 0
               ? std::span<const float>{}
               : std::span<const float>{index.row(0).data(),
                                        index.size() * index.dims()};
  auto sum =
    static_cast<std::uint64_t>(XXH3_64bits(all.data(), all.size_bytes()));
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    out.write(reinterpret_cast<const char*>(all.data()),
              static_cast<std::streamsize>(all.size_bytes()));
    out.write(reinterpret_cast<const char*>(&sum), sizeof sum);
    out.flush();
    if (!out)
      return make_problem("io_error", "cannot write embedding cache",
                          tmp.string());
  }
  std::error_code err;
  std::filesystem::rename(tmp, file, err);
  if (err)
    return make_problem("io_error", "cannot rename: " + err.message(),
                        tmp.string());
  return head.size() + all.size_bytes() + sizeof sum;
}

result<embedding_index> load_embeddings(const std::filesystem::path& file,
                                        const embedding_cache_key& key) {
  auto where = file.string();
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return make_problem("io_error", "cannot open embedding cache", where);
  auto bad = [&](std::string what) {
    return make_problem("bad_cache", std::move(what), where);
  };
  std::array<char, 8> magic{};
  std::uint64_t fingerprint = 0;
  std::uint64_t rows = 0;
  std::uint64_t dims = 0;
  std::uint32_t model_len = 0;
  if (!get(in, magic) || magic != cache_magic)
    return bad("not an embedding cache (bad magic)");
  if (!get(in, fingerprint) || !get(in, rows) || !get(in, dims)
      || !get(in, model_len) || model_len > 4096)
    return bad("truncated header");
  std::string model(model_len, '\0');
  if (!in.read(model.data(), model_len))
    return bad("truncated model name");
  if (model != key.model || fingerprint != key.fingerprint || rows != key.rows)
    return make_problem("stale_cache",
                        fmt::format("written for model '{}' over {} "
                                    "problems of other benchmark files",
                                    model, rows),
                        where);
  auto index = embedding_index::create(dims);
  if (!index)
    return bad("dimension 0");
  // Bound the allocation by what the file can hold before trusting it.
  std::error_code err;
  auto size = std::filesystem::file_size(file, err);
  auto need = static_cast<std::uint64_t>(in.tellg()) + rows * dims * 4 + 8;
  if (err || dims > (1u << 20) || rows > (1u << 28) || size != need)
    return bad(
      fmt::format("size {} does not match {} x {} floats", size, rows, dims));
  std::vector<float> all(rows * dims);
  std::uint64_t sum = 0;
  if (!in.read(reinterpret_cast<char*>(all.data()),
               static_cast<std::streamsize>(all.size() * sizeof(float)))
      || !get(in, sum))
    return bad("truncated vectors");
  if (sum != XXH3_64bits(all.data(), all.size() * sizeof(float)))
    return bad("checksum mismatch");
  for (std::uint64_t r = 0; r < rows; ++r) {
    auto added = index->add(std::span<const float>{all}.subspan(r * dims, dims),
                            fmt::format("{}: row {}", where, r));
    if (!added)
      return added.error();
  }
  return index;
}

} // namespace kpsynth::quality
