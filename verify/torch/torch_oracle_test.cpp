// Every op-table row x dtype x sample shape (empty, size-1, broadcast, non-contiguous inputs made
// by permute/shrink/flip) x two fixed-seed random draws: ref and the engine (interp), each against
// PyTorch. Float results within the row's tolerance (widened by reduction length), integers and
// bools exact, NaN positions equal, shapes and dtypes equal; where torch raises, anvil must raise.
#include "verify/torch/torch_oracle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "verify/ops/op_table.h"
#include "verify/ref/ref.h"

namespace anvil {
namespace {

namespace to = torch_oracle;
using ops::Domain;
using ops::OpRow;

enum class Layout { Contiguous, Permuted, Shrunk, Flipped };
const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Permuted: return "permuted";
    case Layout::Shrunk: return "shrunk";
    case Layout::Flipped: return "flipped";
  }
  return "?";
}

// ---- random inputs ----

double draw_float(Domain d, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-8, 8);
  std::uniform_int_distribution<int> pick(0, 15);
  const int p = pick(rng);
  if (d == Domain::Any && p == 0) {
    const double specials[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e30, -1e-30};
    return specials[std::uniform_int_distribution<int>(0, 6)(rng)];
  }
  double x = p == 1 ? std::round(u(rng)) : u(rng);  // whole numbers sit on floor/remainder edges
  switch (d) {
    case Domain::Any:
    case Domain::Finite: return x;
    case Domain::Positive: return std::fabs(x) + 0.01;
    case Domain::NonZero: return x == 0 ? 1.5 : x;
    case Domain::NonNegative: return std::fabs(x);
  }
  return x;
}

int64_t draw_int(DType dt, Domain d, std::mt19937_64& rng) {
  if (dt == dtypes::bool_) {
    if (d == Domain::Positive || d == Domain::NonZero) return 1;
    return std::uniform_int_distribution<int>(0, 1)(rng);
  }
  const bool is_unsigned_type = is_unsigned(dt);
  std::uniform_int_distribution<int> pick(0, 15);
  const int p = pick(rng);
  // Extremes probe wrapping (uint64's do not survive torch's int64 stand-in, so it has none).
  if (d == Domain::Any && p == 0 && dt != dtypes::uint64) {
    const bool low = std::uniform_int_distribution<int>(0, 1)(rng);
    return static_cast<int64_t>(low ? int_min(dt.scalar) : int_max(dt.scalar));
  }
  int64_t lo = is_unsigned_type ? 0 : -8;
  if (d == Domain::Positive || d == Domain::NonNegative) lo = d == Domain::Positive ? 1 : 0;
  int64_t v = std::uniform_int_distribution<int64_t>(lo, 8)(rng);
  if (d == Domain::NonZero && v == 0) v = 3;
  return v;
}

Buffer random_buffer(DType dt, int64_t n, Domain d, std::mt19937_64& rng) {
  if (is_float(dt)) {
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = draw_float(d, rng);
    return Buffer::from_floats(dt, v);
  }
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t& x : v) x = draw_int(dt, d, rng);
  return Buffer::from_ints(dt, v);
}

// ---- non-contiguous tensors holding given row-major values ----

std::vector<int64_t> unravel(int64_t flat, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = flat % s[d];
    flat /= s[d];
  }
  return idx;
}

int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t flat = 0;
  for (size_t d = 0; d < s.size(); ++d) flat = flat * s[d] + idx[d];
  return flat;
}

void copy_element(Buffer& dst, int64_t di, const Buffer& src, int64_t si) {
  const size_t size = static_cast<size_t>(itemsize(src.dtype.scalar));
  std::memcpy(dst.bytes.data() + di * size, src.bytes.data() + si * size, size);
}

// A tensor of shape `s` whose elements are `b`'s, reached through a movement op when `l` asks.
Tensor lay_out(const Buffer& b, const Shape& s, Layout l) {
  const int64_t n = shape_numel(s);
  const size_t rank = s.size();
  std::vector<int64_t> all_axes(rank);
  for (size_t d = 0; d < rank; ++d) all_axes[d] = static_cast<int64_t>(d);
  if (l == Layout::Permuted) {
    Shape rev(s.rbegin(), s.rend());
    Buffer t(b.dtype, static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> idx = unravel(i, rev);
      std::reverse(idx.begin(), idx.end());
      copy_element(t, i, b, ravel(idx, s));
    }
    return Tensor::from(t, rev).permute({all_axes.rbegin(), all_axes.rend()});
  }
  if (l == Layout::Flipped) {
    Buffer t(b.dtype, static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> idx = unravel(i, s);
      for (size_t d = 0; d < rank; ++d) idx[d] = s[d] - 1 - idx[d];
      copy_element(t, i, b, ravel(idx, s));
    }
    return Tensor::from(t, s).flip(all_axes);
  }
  if (l == Layout::Shrunk) {  // a frame of 77s around the values, cut away
    Shape big = s;
    std::vector<Range> inner;
    for (int64_t& x : big) {
      inner.push_back({1, x + 1});
      x += 2;
    }
    const int64_t bn = shape_numel(big);
    Buffer t = is_float(b.dtype) ? Buffer::from_floats(b.dtype, std::vector<double>(bn, 77.0))
                                 : Buffer::from_ints(b.dtype, std::vector<int64_t>(bn, 77));
    for (int64_t i = 0; i < n; ++i) {
      std::vector<int64_t> idx = unravel(i, s);
      for (int64_t& x : idx) x += 1;
      copy_element(t, ravel(idx, big), b, i);
    }
    return Tensor::from(t, big).shrink(inner);
  }
  return Tensor::from(b, s);
}

// ---- comparison ----

Buffer from_plain(const to::PlainTensor& p) {
  std::optional<DType> dt = parse_dtype(p.dtype);
  if (!dt) return Buffer();
  Buffer b(*dt, p.bytes.size() / static_cast<size_t>(itemsize(dt->scalar)));
  b.bytes.assign(p.bytes.begin(), p.bytes.end());
  return b;
}

to::PlainTensor to_plain(const Buffer& b, const Shape& s) {
  return {s, name(b.dtype), std::vector<uint8_t>(b.bytes.begin(), b.bytes.end())};
}

std::string value_str(const Buffer& b, size_t i) {
  if (i >= b.count) return "-";
  std::ostringstream os;
  if (b.poison[i]) return "poison";
  if (is_float(b.dtype))
    os << b.floats()[i];
  else
    os << b.ints()[i];
  return os.str();
}

struct Verdict {
  bool ok = true;
  std::string why;
};

// `want` converted to `got`'s dtype where the dtypes differ only by torch's stand-in (Widened).
Verdict compare_values(const Buffer& got, const Buffer& want, ops::Tolerance tol, const Buffer& engine,
                       const Buffer& ref) {
  if (got.count != want.count) return {false, "element counts differ"};
  if (got.poison_count()) return {false, "result holds poison"};
  std::ostringstream os;
  const bool exact = is_intlike(got.dtype) && is_intlike(want.dtype);
  const std::vector<double> gf = exact ? std::vector<double>() : got.floats();
  const std::vector<double> wf = exact ? std::vector<double>() : want.floats();
  const std::vector<int64_t> gi = exact ? got.ints() : std::vector<int64_t>();
  const std::vector<int64_t> wi = exact ? want.ints() : std::vector<int64_t>();
  for (size_t i = 0; i < got.count; ++i) {
    bool same;
    if (exact) {
      same = gi[i] == wi[i];
    } else if (std::isnan(wf[i]) || std::isnan(gf[i])) {
      same = std::isnan(wf[i]) && std::isnan(gf[i]);
    } else if (std::isinf(wf[i]) || std::isinf(gf[i])) {
      same = gf[i] == wf[i];
    } else {
      same = std::fabs(gf[i] - wf[i]) <= tol.atol + tol.rtol * std::fabs(wf[i]);
    }
    if (same) continue;
    os << "element " << i << ": engine " << value_str(engine, i) << ", ref " << value_str(ref, i) << ", torch "
       << value_str(want, i);
    return {false, os.str()};
  }
  return {};
}

// Why a random row's values are not what its RandomValues allow ("" when they are).
std::string random_violation(const Buffer& b, const ops::RandomValues& r) {
  const std::vector<double> v = b.floats();
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isfinite(v[i]) && v[i] >= r.lo && v[i] <= r.hi && (!r.integral || v[i] == std::round(v[i]))) continue;
    std::ostringstream os;
    os << "random element " << i << " is " << v[i] << ", outside [" << r.lo << ", " << r.hi << "]"
       << (r.integral ? " or not whole" : "") << "; ";
    return os.str();
  }
  return "";
}

// ---- the run, and its summary ----

struct Stats {
  std::map<std::string, std::map<std::string, std::set<std::string>>> rows_by_dtype_mode;  // dtype -> mode -> rows
  std::set<std::string> no_twin;
  int64_t cases = 0, both_raise = 0, findings = 0, engine_skipped_empty = 0;
  std::vector<std::string> known;      // known disagreements seen (kKnown)
  std::vector<std::string> unchecked;  // Widened cases where anvil raised: no torch dtype to judge by
};
Stats& stats() {
  static Stats s;
  return s;
}

std::string shapes_str(const std::vector<Shape>& shapes) {
  std::string s;
  for (const Shape& x : shapes) s += (s.empty() ? "" : " ") + shape_str(x);
  return s;
}

// Realizing an empty result aborts in the engine today (tensor.cpp: "the realizer registered no
// storage for BUFFER"); ANVIL_ORACLE_ENGINE_EMPTY=1 runs those cases anyway.
bool engine_on_empty() {
  static const bool v = std::getenv("ANVIL_ORACLE_ENGINE_EMPTY") != nullptr;
  return v;
}

struct CaseResult {
  std::optional<std::string> anvil_error;
  Shape shape;
  DType dtype;
  Buffer engine, ref;
};

CaseResult run_anvil(const OpRow& row, const std::vector<Tensor>& in) {
  CaseResult r;
  try {
    Tensor out = row.fn(in);
    r.shape = out.shape();
    r.dtype = out.dtype();
    ref::Array a = ref::evaluate(out.uop());
    r.ref = a.to_buffer();
    if (a.shape != out.shape()) r.anvil_error = "ref's shape " + shape_str(a.shape) + " differs from the tensor's";
    if (out.numel() == 0 && !engine_on_empty()) {
      r.engine = r.ref;  // not run: see engine_on_empty()
      ++stats().engine_skipped_empty;
    } else {
      r.engine = out.to_buffer();
    }
  } catch (const Error& e) {
    r.anvil_error = e.what();
  }
  return r;
}

// Disagreements found and reported, not fixed yet: (row, dtype) and what differs. They print in the
// summary instead of failing; a listed pair that agrees again fails, so the list only shrinks.
struct Known {
  const char* row;
  const char* dtype;
  const char* why;
};
constexpr Known kKnown[] = {
    {"any_all", "uint8", "torch 1.13 keeps uint8 for any/all of uint8 (its legacy rule); anvil gives bool as torch 2"},
    {"all_axis1", "uint8",
     "torch 1.13 keeps uint8 for any/all of uint8 (its legacy rule); anvil gives bool as torch 2"},
    {"matmul", "bfloat16",
     "torch 1.13's CPU gemm (gemm_notrans_) rounds the bfloat16 sum after every step; anvil sums in float32 once"},
    {"lerp_specials", "*", "infinite inputs: anvil gives NaN where torch gives +-inf"},
    {"linspace_m3_5", "bool", "anvil accepts bool; torch raises (\"linspace_cpu\" not implemented for 'Bool')"},
};

const char* known_disagreement(const std::string& row, const std::string& dtype) {
  for (const Known& k : kKnown) {
    if (row == k.row && (dtype == k.dtype || std::string(k.dtype) == "*")) return k.why;
  }
  return nullptr;
}

bool known_any_dtype(const std::string& row) {
  for (const Known& k : kKnown) {
    if (row == k.row && std::string(k.dtype) == "*") return true;
  }
  return false;
}

bool verbose() {
  static const bool v = std::getenv("ANVIL_ORACLE_VERBOSE") != nullptr;
  return v;
}

class TorchOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchOracle, RefAndEngineMatchTorch) {
  const OpRow& row = *ops::find_op(GetParam());
  if (!to::has_op(row.name)) {
    stats().no_twin.insert(row.name);
    GTEST_SKIP() << "no torch twin for " << row.name;
  }
  std::map<std::string, std::vector<std::string>> findings;  // by dtype
  for (DType dt : row.dtypes) {
    for (size_t si = 0; si < row.shapes.size(); ++si) {
      const std::vector<Shape>& shapes = row.shapes[si];
      {  // one fixed-seed draw per sample; its layout rotates with sample and dtype
        const int draw = 0;
        const Layout layout = static_cast<Layout>((si + static_cast<size_t>(dt.scalar)) % 4);
        std::seed_seq seq{static_cast<uint64_t>(std::hash<std::string>()(row.name)), static_cast<uint64_t>(dt.scalar),
                          static_cast<uint64_t>(si), static_cast<uint64_t>(draw)};
        std::mt19937_64 rng(seq);
        std::vector<Tensor> in;
        std::vector<to::PlainTensor> plain;
        double max_abs = 0;
        int64_t in_numel = 0;
        for (size_t i = 0; i < shapes.size(); ++i) {
          const DType idt = ops::input_dtype(row, i, dt);
          const Buffer b = random_buffer(idt, shape_numel(shapes[i]), row.domain, rng);
          in.push_back(lay_out(b, shapes[i], layout));
          plain.push_back(to_plain(b, shapes[i]));
          for (double x : b.floats()) max_abs = std::isfinite(x) ? std::max(max_abs, std::fabs(x)) : max_abs;
          in_numel = std::max(in_numel, shape_numel(shapes[i]));
        }
        std::ostringstream where;
        where << row.name << " (" << row.op << ") dtype " << name(dt) << " inputs " << shapes_str(shapes) << " "
              << layout_name(layout) << " draw " << draw << ": ";
        if (verbose()) std::cerr << where.str() << "\n";  // an engine abort leaves the case on screen
        const CaseResult a = run_anvil(row, in);
        const to::Result t = to::evaluate(row.name, plain);
        ++stats().cases;
        stats().rows_by_dtype_mode[name(dt)][to::mode_name(t.mode)].insert(row.name);
        auto finding = [&](const std::string& what) { findings[name(dt)].push_back(where.str() + what); };
        if (t.mode == to::Mode::None) continue;
        if (!t.ok && a.anvil_error) {
          ++stats().both_raise;
          continue;
        }
        if (a.anvil_error && t.mode == to::Mode::Widened) {
          stats().unchecked.push_back(where.str() + *a.anvil_error);
          continue;
        }
        if (a.anvil_error) {
          finding("anvil raises \"" + *a.anvil_error + "\", torch gives a result");
          continue;
        }
        if (!t.ok) {
          finding("torch raises \"" + t.error + "\", anvil gives a result of " + name(a.dtype) + " " +
                  shape_str(a.shape));
          continue;
        }
        if (a.shape != t.value.shape) {
          finding("shape: anvil " + shape_str(a.shape) + ", torch " + shape_str(t.value.shape));
          continue;
        }
        Buffer want = from_plain(t.value);
        if (t.mode == to::Mode::Widened) {  // torch's int64 stand-in, wrapped back to anvil's dtype
          want = is_intlike(a.dtype) ? Buffer::from_ints(a.dtype, want.ints())
                                     : Buffer::from_floats(a.dtype, want.floats());
        } else if (name(a.dtype) != t.value.dtype) {
          finding("dtype: anvil " + name(a.dtype) + ", torch " + t.value.dtype);
          continue;
        }
        if (row.random) {  // anvil's own draws: no reference has their bits, so only their range is checked
          const std::string bad = random_violation(a.engine, *row.random) + random_violation(a.ref, *row.random);
          if (!bad.empty()) finding(bad);
          continue;
        }
        ops::Tolerance tol = ops::tolerance(row, a.dtype);
        const int64_t out_numel = std::max<int64_t>(1, shape_numel(a.shape));
        if (in_numel > out_numel && is_float(a.dtype)) {  // summation order: error grows with length and |x|
          const double eps = a.dtype == dtypes::float64 ? 0x1p-52 : 0x1p-23;
          tol.atol += 4 * eps * max_abs * static_cast<double>(in_numel / out_numel);
        }
        const Verdict e = compare_values(a.engine, want, tol, a.engine, a.ref);
        if (!e.ok) finding("engine vs torch, " + e.why);
        const Verdict r = compare_values(a.ref, want, tol, a.engine, a.ref);
        if (!r.ok) finding("ref vs torch, " + r.why);
      }
    }
  }
  size_t total = 0;
  for (const auto& [dtype, found] : findings) total += found.size();
  if (known_any_dtype(row.name) && total == 0) ADD_FAILURE() << row.name << " agrees with torch now: update kKnown";
  for (DType dt : row.dtypes) {
    const std::vector<std::string>& found = findings[name(dt)];
    const char* known = known_disagreement(row.name, name(dt));
    if (known && found.empty() && !known_any_dtype(row.name)) {
      ADD_FAILURE() << row.name << " " << name(dt) << " agrees with torch now: remove it from kKnown (" << known << ")";
    } else if (known && !found.empty()) {
      stats().known.push_back(row.name + " " + name(dt) + ": " + known + " (" + std::to_string(found.size()) +
                              " cases; first: " + found[0] + ")");
    } else if (!known) {
      stats().findings += static_cast<int64_t>(found.size());
      for (size_t i = 0; i < found.size() && i < 3; ++i) ADD_FAILURE() << found[i];
      if (found.size() > 3) ADD_FAILURE() << row.name << " " << name(dt) << ": " << found.size() - 3 << " more";
    }
  }
}

std::vector<std::string> row_names() {
  std::vector<std::string> names;
  for (const OpRow& r : ops::op_table()) names.push_back(r.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Rows, TorchOracle, ::testing::ValuesIn(row_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Torch's autograd through the plain interface: d(sum(x*y*up))/dx = y*up.
// Binary ops promote their operands as torch does (torch.promote_types), for every pair of dtypes
// torch has: signed with unsigned of one width (int8, uint8 -> int16), bool with anything, floats.
TEST(TorchPromotion, EveryPairMatchesTorch) {
  const char* names[] = {"bool",   "int8",   "int16",   "int32",    "int64",   "uint8",  "uint16",
                         "uint32", "uint64", "float16", "bfloat16", "float32", "float64"};
  size_t compared = 0;
  for (const char* a : names)
    for (const char* b : names) {
      const std::string want = to::promote_types(a, b);
      if (want.empty()) continue;  // a uint16/32/64 side: torch 1.13 has no such type
      const std::optional<DType> da = parse_dtype(a), db = parse_dtype(b);
      ASSERT_TRUE(da && db) << a << ", " << b;
      EXPECT_EQ(name(promote(*da, *db)), want) << a << " with " << b;
      ++compared;
    }
  EXPECT_EQ(compared, 100u);  // the 10 dtypes torch has, every ordered pair
}

TEST(TorchOracleGrad, MulGradientIsTheOtherInputTimesUpstream) {
  const to::PlainTensor x = to_plain(Buffer::from(std::vector<float>{1, 2, 3}), {3});
  const to::PlainTensor y = to_plain(Buffer::from(std::vector<float>{4, 5, 6}), {3});
  const to::PlainTensor up = to_plain(Buffer::from(std::vector<float>{1, 10, 100}), {3});
  const to::GradResult g = to::gradients("mul", {x, y}, up);
  ASSERT_TRUE(g.ok) << g.error;
  ASSERT_EQ(g.grads.size(), 2u);
  EXPECT_EQ(from_plain(g.grads[0]).to<float>(), (std::vector<float>{4, 50, 600}));
  EXPECT_EQ(from_plain(g.grads[1]).to<float>(), (std::vector<float>{1, 20, 300}));
  const to::GradResult h =
      to::gradients("exp", {to_plain(Buffer::from_floats(dtypes::float16, std::vector<double>{0.0}), {1})},
                    to_plain(Buffer::from_floats(dtypes::float16, std::vector<double>{2.0}), {1}));
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(h.grads[0].dtype, "float16");
  EXPECT_EQ(from_plain(h.grads[0]).floats(), (std::vector<double>{2.0}));
}

TEST(TorchOracleGrad, EveryRowHasATorchTwin) {
  std::vector<std::string> missing;
  for (const OpRow& r : ops::op_table()) {
    if (!to::has_op(r.name)) missing.push_back(r.name);
  }
  EXPECT_TRUE(missing.empty()) << "rows without a torch twin: " << ::testing::PrintToString(missing);
  for (const std::string& n : to::op_names()) EXPECT_NE(ops::find_op(n), nullptr) << "torch twin without a row: " << n;
}

class Summary : public ::testing::Environment {
 public:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override {
    const Stats& s = stats();
    std::cout << "\n=== torch oracle: " << s.cases << " cases, " << s.both_raise << " raised on both sides, "
              << s.findings << " findings\n";
    for (const auto& [dtype, modes] : s.rows_by_dtype_mode) {
      std::cout << "  " << dtype << ":";
      for (const auto& [mode, rows] : modes) std::cout << " " << mode << " " << rows.size();
      std::cout << " rows\n";
    }
    for (const auto& [dtype, modes] : s.rows_by_dtype_mode) {
      for (const auto& [mode, rows] : modes) {
        if (std::string(mode) != "none" && std::string(mode) != "torch-in-float32") continue;
        std::cout << "  " << dtype << " " << mode << ":";
        for (const std::string& r : rows) std::cout << " " << r;
        std::cout << "\n";
      }
    }
    if (!s.no_twin.empty()) {
      std::cout << "  rows with no torch twin:";
      for (const std::string& r : s.no_twin) std::cout << " " << r;
      std::cout << "\n";
    }
    std::cout << "  known disagreements (kKnown), still present:\n";
    for (const std::string& k : s.known) std::cout << "    " << k << "\n";
    std::cout << "  empty results checked on ref only (engine aborts on them): " << s.engine_skipped_empty << "\n";
    std::cout << "  unsigned cases where anvil raised (torch 1.13 has no such dtype to judge by): "
              << s.unchecked.size() << "\n";
    for (size_t i = 0; i < s.unchecked.size() && i < 5; ++i) std::cout << "    " << s.unchecked[i] << "\n";
  }
};
const auto* const kSummary = ::testing::AddGlobalTestEnvironment(new Summary);  // NOLINT: gtest owns it

}  // namespace
}  // namespace anvil
