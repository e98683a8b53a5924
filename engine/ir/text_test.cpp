#include "engine/ir/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/ir/dot.h"
#include "engine/support/error.h"
#include "engine/support/hash.h"

namespace anvil {
namespace {

// Both directions: the graph survives print+parse, and the text survives parse+print.
void expect_round_trip(const std::vector<UOp>& roots) {
  std::string text = to_text(roots);
  std::vector<UOp> back = parse_text(text);
  ASSERT_EQ(back.size(), roots.size()) << text;
  for (size_t i = 0; i < roots.size(); ++i) EXPECT_TRUE(back[i] == roots[i]) << "root " << i << " of\n" << text;
  EXPECT_EQ(to_text(back), text);
}
void expect_round_trip(const UOp& root) { expect_round_trip(std::vector<UOp>{root}); }

UOp fconst(DType dt, uint64_t bits) {
  std::optional<double> v = float_const_from_bits(dt.scalar, bits);
  EXPECT_TRUE(v.has_value()) << name(dt) << " bits " << bits;
  return UOp::make(Op::CONST, dt, {}, v.value_or(0.0));
}

double from_bits64(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

TEST(Text, PrintsTheDocumentedForm) {
  UOp x = UOp::var("x", 0, 10);
  UOp y = x * 4;
  UOp f = UOp::constant_float(dtypes::float32, 1.5);
  UOp r = UOp::make(Op::REDUCE_AXIS, dtypes::float32, {f}, ReduceArg{Op::ADD, {0, 1}});
  EXPECT_EQ(to_text(std::vector<UOp>{y, r}),
            "%0 = DEFINE_VAR index x in [0, 10]\n"
            "%1 = CONST index 4\n"
            "%2 = MUL index (%0, %1)\n"
            "%3 = CONST float32 0x3fc00000  # 1.5\n"
            "%4 = REDUCE_AXIS float32 (%3) ADD [0, 1]\n");
  EXPECT_TRUE(parse_one(to_text(y)) == y);
}

TEST(Text, EveryArgKind) {
  UOp n = UOp::constant(dtypes::index, 16);
  UOp g = UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(AddrSpace::Global, 16), {}, int64_t{0});
  UOp rng = UOp::make(Op::RANGE, dtypes::index, {n}, int64_t{3});
  UOp idx = UOp::make(Op::INDEX, g.dtype(), {g, rng});
  UOp ld = UOp::make(Op::LOAD, dtypes::float32, {idx});
  UOp st = UOp::make(Op::STORE, dtypes::void_, {idx, ld});
  UOp end = UOp::make(Op::END, dtypes::void_, {rng, st});
  UOp sink = UOp::make(Op::SINK, dtypes::void_, {end});
  expect_round_trip(sink);

  UOp buf = UOp::make(Op::BUFFER, dtypes::float32, {}, std::vector<int64_t>{7, 12});
  UOp rs = UOp::make(Op::RESHAPE, dtypes::float32, {buf}, std::vector<int64_t>{3, 4});
  UOp pad = UOp::make(Op::PAD, dtypes::float32, {rs}, std::vector<int64_t>{});
  UOp red = UOp::make(Op::REDUCE_AXIS, dtypes::float32, {pad}, ReduceArg{Op::MAX, {}});
  UOp cp = UOp::make(Op::COPY, dtypes::float32, {red}, std::string("cpu \"quoted\" \\ \n\t\x01\xff#"));
  UOp sp = UOp::make(Op::SPECIAL, dtypes::int32, {UOp::constant(dtypes::int32, 8)}, std::string("gidx0"));
  UOp v1 = UOp::var("not an identifier", -5, 5);
  UOp v2 = UOp::var("", INT64_MIN, INT64_MAX, dtypes::int64);
  UOp v3 = UOp::var("in", 0, 1);  // a name that is the keyword
  UOp v4 = UOp::var("9lives", 0, 1);
  UOp gep =
      UOp::make(Op::GEP, dtypes::float32, {UOp::make(Op::VECTORIZE, dtypes::float32.vec(2), {ld, ld})}, int64_t{1});
  expect_round_trip(std::vector<UOp>{cp, sp, v1, v2, v3, v4, gep});
}

TEST(Text, EveryDType) {
  std::vector<UOp> roots;
  for (int i = 0; i < kScalarCount; ++i) {
    DType s{static_cast<Scalar>(i)};
    for (DType d : {s, s.vec(2), s.vec(256), s.ptr(), s.ptr(AddrSpace::Local, 64), s.ptr(AddrSpace::Reg, 0),
                    s.vec(4).ptr(AddrSpace::Global, 1 << 20)}) {
      roots.push_back(UOp::make(Op::DEFINE_GLOBAL, d, {}, int64_t{i}));
      if (!d.is_ptr && s.scalar != Scalar::Void)
        roots.push_back(is_float(s) ? UOp::constant_float(d, 2.5) : UOp::constant(d, 1));
    }
  }
  expect_round_trip(roots);
}

TEST(Text, FloatSpecialsSurviveBitExactly) {
  struct Case {
    DType dt;
    std::vector<uint64_t> bits;
  };
  std::vector<Case> cases = {
      {dtypes::float16,
       {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7e01, 0x7fff, 0x0001, 0x8001, 0x03ff, 0x7bff, 0x3c00}},
      {dtypes::bfloat16,
       {0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0xffc0, 0x7fc1, 0x7fff, 0x0001, 0x007f, 0x7f7f, 0x3f80}},
      {dtypes::float32,
       {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7fffffff, 0x00000001, 0x807fffff,
        0x7f7fffff}},
      {dtypes::float64,
       {0x0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001,
        0xfff8000000000abc, 0x0000000000000001, 0x7fefffffffffffff}},
  };
  for (const Case& c : cases) {
    for (uint64_t b : c.bits) {
      UOp u = fconst(c.dt, b);
      std::string text = to_text(u);
      char want[64];
      std::snprintf(want, sizeof want, "0x%0*llx", bits(c.dt.scalar) / 4, static_cast<unsigned long long>(b));
      EXPECT_NE(text.find(want), std::string::npos) << text;
      expect_round_trip(u);
    }
  }
  EXPECT_NE(to_text(fconst(dtypes::float16, 0x3e00)).find("# 1.5"), std::string::npos);
  EXPECT_NE(to_text(fconst(dtypes::float64, 0x3fb999999999999a)).find("# 0.1\n"), std::string::npos);
  EXPECT_NE(to_text(fconst(dtypes::float32, 0xffc00000)).find("# -nan"), std::string::npos);
  // Signaling NaNs of 16/32-bit floats would come back quiet: refused, not changed.
  for (const char* bad : {"%0 = CONST float16 0x7c01", "%0 = CONST bfloat16 0x7f81", "%0 = CONST float32 0x7f800001"})
    EXPECT_THROW(parse_text(bad), Error) << bad;
  // float64 keeps every pattern, signaling NaNs included.
  EXPECT_EQ(double_bits(parse_one("%0 = CONST float64 0x7ff0000000000001").arg_float()), 0x7ff0000000000001u);
}

TEST(Text, NonCanonicalConstantsPrintReadablyButDoNotParse) {
  UOp h = UOp::make(Op::CONST, dtypes::float16, {}, 0.1);
  EXPECT_EQ(to_text(h), "%0 = CONST float16 0x3fb999999999999a  # not a float16 value: 0.1\n");
  EXPECT_THROW(parse_text(to_text(h)), Error);
  UOp i = UOp::make(Op::CONST, dtypes::int8, {}, int64_t{300});
  EXPECT_EQ(to_text(i), "%0 = CONST int8 300\n");
  EXPECT_THROW(parse_text(to_text(i)), Error);
}

TEST(Text, IntegerExtremes) {
  std::vector<UOp> roots = {
      UOp::constant(dtypes::uint64, -1),       UOp::constant(dtypes::int64, INT64_MIN),
      UOp::constant(dtypes::int64, INT64_MAX), UOp::constant(dtypes::index, INT64_MIN),
      UOp::constant(dtypes::int8, -128),       UOp::constant(dtypes::uint32, 0xffffffffLL),
      UOp::constant(dtypes::bool_, 1),         UOp::constant(dtypes::bool_, 0),
      UOp::constant(dtypes::int32.vec(4), -7),
  };
  expect_round_trip(roots);
  std::string text = to_text(roots);
  EXPECT_NE(text.find("CONST uint64 18446744073709551615\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CONST int64 -9223372036854775808\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CONST bool true\n"), std::string::npos) << text;
}

TEST(Text, MultipleRoots) {
  UOp x = UOp::var("x", 0, 10);
  UOp a = x + 1, b = x * 2;
  expect_round_trip(std::vector<UOp>{a, b});
  expect_round_trip(std::vector<UOp>{b, a});
  // A root used by another root, and a repeated root, need the explicit roots line.
  UOp c = a + b;
  std::string text = to_text(std::vector<UOp>{c, a, a});
  EXPECT_NE(text.find("\nroots %"), std::string::npos) << text;
  expect_round_trip(std::vector<UOp>{c, a, a});
  expect_round_trip(std::vector<UOp>{});
  EXPECT_EQ(to_text(std::vector<UOp>{}), "");
}

TEST(Text, HandWrittenNamesAndComments) {
  std::string text =
      "# a hand-written case\n"
      "\n"
      "  %n   =  CONST index 8   # the size\n"
      "%i=RANGE index(%n) 0\n"
      "%Offset_2 = ADD index (%i, %n)\t\r\n"
      "%ignored_root = CONST float32 0x3f800000 # wrong comments are fine\n";
  std::vector<UOp> roots = parse_text(text);
  ASSERT_EQ(roots.size(), 2u);
  UOp n = UOp::constant(dtypes::index, 8);
  EXPECT_TRUE(roots[0] == n + UOp::make(Op::RANGE, dtypes::index, {n}, int64_t{0}) ||
              roots[0] == UOp::make(Op::RANGE, dtypes::index, {n}, int64_t{0}) + n);
  EXPECT_EQ(roots[1].arg_float(), 1.0);
  // Printing renames to %0.. and regenerates comments.
  EXPECT_EQ(
      to_text(roots),
      "%0 = CONST index 8\n%1 = RANGE index (%0) 0\n%2 = ADD index (%1, %0)\n%3 = CONST float32 0x3f800000  # 1\n");
}

TEST(Text, MalformedInputsSayWhere) {
  struct Case {
    std::string text;
    std::string where;  // "LINE:COL"
    std::string says;
  };
  std::vector<Case> cases = {
      {"%0 = FOO index", "1:6", "unknown op 'FOO'"},
      {"%0 = CONST flaot32 0x0", "1:12", "bad dtype"},
      {"%0 = CONST float32x300 0x0", "1:12", "over 256"},
      {"%0 = CONST int8x4* 1", "1:20", "value dtype"},
      {"%0 = CONST index 1\n%1 = ADD index (%0)", "2:16", "takes 2 sources, got 1"},
      {"%0 = CONST index 1\n%1 = NEG index", "2:15", "takes 1 source, got 0"},
      {"%0 = NEG index (%x)", "1:17", "undefined name %x"},
      {"%1 = NEG index (%1)", "1:17", "undefined name %1"},
      {"%0 = CONST index 1\n%0 = CONST index 2", "2:1", "duplicate name %0"},
      {"%0 = CONST index", "1:17", "takes a decimal integer, got nothing"},
      {"%0 = CONST float32 1", "1:20", "bits in hex"},
      {"%0 = CONST float16 0x10000", "1:20", "wider than 16 bits"},
      {"%0 = CONST bool 1", "1:17", "true or false"},
      {"%0 = CONST int8 128", "1:17", "out of range [-128, 127]"},
      {"%0 = CONST uint64 -1", "1:19", "out of range"},
      {"%0 = CONST uint64 18446744073709551616", "1:19", "out of range"},
      {"%0 = CONST int64 99999999999999999999999", "1:18", "integer too large"},
      {"%0 = DEFINE_VAR index 5", "1:23", "takes a variable"},
      {"%0 = DEFINE_VAR index x in [0 10]", "1:31", "expected ','"},
      {"%0 = CONST index 4\n%1 = RANGE index (%0)", "2:22", "takes an int, got nothing"},
      {"%0 = CONST index 4\n%1 = RANGE index (%0) \"a\"", "2:23", "takes an int, got a string"},
      {"%0 = CONST index 4\n%1 = REDUCE_AXIS index (%0) [0]", "2:29", "takes a reduce arg"},
      {"%0 = CONST index 4\n%1 = REDUCE_AXIS index (%0) PLUS [0]", "2:29", "'PLUS' is not an op name"},
      {"%0 = CONST index 4\n%1 = NEG index (%0) 3", "2:21", "takes no arg, got an integer"},
      {"%0 = CONST index 4 5", "1:20", "expected the end of the line"},
      {"%0 = CONST index 4)", "1:19", "expected the end of the line"},
      {"%0 = CONST index 4x", "1:19", "unexpected character in a number"},
      {"%0 = CONST float32 0x0\n%1 = COPY float32 (%0) \"abc", "2:28", "unterminated string"},
      {"%0 = CONST float32 0x0\n%1 = COPY float32 (%0) \"a\\q\"", "2:26", "unknown escape"},
      {"%0 = CONST float32 0x0\n%1 = COPY float32 (%0) \"\\x4\"", "2:25", "two hex digits"},
      {"CONST index 4", "1:1", "expected a node"},
      {"%0 CONST index 4", "1:4", "expected '='"},
      {"% = CONST index 4", "1:2", "expected a name"},
      {"%0 = CONST index 1\nroots %0\n%1 = CONST index 2", "3:1", "nothing after the roots line"},
      {"%0 = CONST index 1\nroots %0 %0", "2:10", "expected ','"},
      {"%0 = CONST index 1\n%1 = ADD index (%0, %0", "2:23", "expected ',' or ')'"},
  };
  for (const Case& c : cases) {
    try {
      parse_text(c.text, "case.uop");
      ADD_FAILURE() << "no error for: " << c.text;
    } catch (const Error& e) {
      EXPECT_EQ(e.op(), "parse");
      EXPECT_EQ(e.message().rfind("case.uop:" + c.where + ": ", 0), 0u) << c.text << "\n -> " << e.message();
      EXPECT_NE(e.message().find(c.says), std::string::npos) << c.text << "\n -> " << e.message();
    }
  }
}

TEST(Text, ParseOneWantsOneRoot) {
  EXPECT_THROW(parse_one(""), Error);
  EXPECT_THROW(parse_one("# nothing\n"), Error);
  try {
    parse_one("%a = CONST index 1\n%b = CONST index 2\n", "f");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "f:2:1: expected one root, found 2");
  }
}

TEST(Text, NeverCrashesOnJunk) {
  std::mt19937 rng(7);
  const std::string alphabet = "%=(),[]#\"\\ \n\tx0123456789-abcdefINDEXCONSTADDfloat*localreg_intuin";
  std::string seed = to_text(UOp::var("x", 0, 4) * 3 + 1);
  for (int i = 0; i < 3000; ++i) {
    std::string t = seed;
    for (int k = std::uniform_int_distribution<int>(1, 6)(rng); k > 0; --k) {
      size_t at = std::uniform_int_distribution<size_t>(0, t.size())(rng);
      int what = std::uniform_int_distribution<int>(0, 2)(rng);
      char c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
      if (what == 0)
        t.insert(t.begin() + at, c);
      else if (at < t.size() && what == 1)
        t.erase(at, 1);
      else if (at < t.size())
        t[at] = static_cast<char>(rng());
    }
    try {
      std::vector<UOp> roots = parse_text(t);
      EXPECT_EQ(to_text(parse_text(to_text(roots))), to_text(roots));
    } catch (const Error& e) {
      EXPECT_EQ(e.op(), "parse");
    }
  }
}

// Random graphs of every op, dtype and arg kind: the parser checks arity and arg kinds, not types.
class RandomGraphs {
 public:
  explicit RandomGraphs(uint32_t seed) : rng_(seed) {}

  std::vector<UOp> roots() {
    std::vector<UOp> pool;
    int n = pick(1, 25);
    for (int i = 0; i < n; ++i) pool.push_back(node(pool));
    std::vector<UOp> out;
    for (int r = pick(1, 3); r > 0; --r) out.push_back(pool[pick(0, static_cast<int>(pool.size()) - 1)]);
    return out;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int64_t any_int() {
    switch (pick(0, 3)) {
      case 0: return pick(-3, 3);
      case 1: return INT64_MIN;
      case 2: return INT64_MAX;
      default: return static_cast<int64_t>(rng_()) << 32 | rng_();
    }
  }
  DType dtype(bool value) {
    DType d{static_cast<Scalar>(pick(value ? 1 : 0, kScalarCount - 1))};
    int shape = pick(0, 5);
    if (shape == 1) d = d.vec(pick(2, 256));
    if (!value && shape >= 4) d = d.ptr(static_cast<AddrSpace>(pick(0, 2)), pick(-1, 2) < 0 ? -1 : any_int() & 0xffff);
    return d;
  }
  std::string any_name() {
    static const char* kNames[] = {"x", "gidx0", "", "two words", "q\"uote", "\n", "in", "ADD", "\xe2\x82\xac"};
    return kNames[pick(0, 8)];
  }
  UOp constant() {
    DType d = dtype(true);
    if (!is_float(d.scalar)) return UOp::constant(d, any_int());
    uint64_t b = static_cast<uint64_t>(any_int());
    if (pick(0, 1)) b = pick(0, 1) ? 0x7ff8000000000000 | (b & 0xfff) : (b & 0x8000000000000000) | 0x7ff0000000000000;
    std::optional<double> v =
        float_const_from_bits(d.scalar, b & (bits(d.scalar) == 64 ? ~0ull : (1ull << bits(d.scalar)) - 1));
    return UOp::constant_float(d, v ? *v : from_bits64(b));
  }
  UOp node(const std::vector<UOp>& pool) {
    if (pool.empty() || pick(0, 4) == 0) return constant();
    Op op = static_cast<Op>(pick(0, kOpCount - 1));
    if (op == Op::CONST) return constant();
    int arity = op_arity(op);
    std::vector<UOp> src;
    for (int i = arity < 0 ? pick(0, 4) : arity; i > 0; --i)
      src.push_back(pool[pick(0, static_cast<int>(pool.size()) - 1)]);
    DType d = dtype(false);
    Arg arg;
    switch (expected_arg_kind(op, d)) {
      case ArgKind::Int: arg = any_int(); break;
      case ArgKind::String: arg = any_name(); break;
      case ArgKind::Ints: arg = std::vector<int64_t>{any_int(), pick(0, 9)}; break;
      case ArgKind::Var: arg = VarArg{any_name(), any_int(), any_int()}; break;
      case ArgKind::Reduce: arg = ReduceArg{static_cast<Op>(pick(0, kOpCount - 1)), {pick(0, 3)}}; break;
      default: break;
    }
    return UOp::make(op, d, std::move(src), std::move(arg));
  }

  std::mt19937 rng_;
};

TEST(Text, RandomGraphsRoundTrip) {
  RandomGraphs gen(20261125);
  for (int i = 0; i < 3000; ++i) expect_round_trip(gen.roots());
}

TEST(Text, LongChainParsesWithoutRecursion) {
  std::string text = "%0 = DEFINE_VAR index x in [0, 1]\n";
  for (int i = 1; i <= 200000; ++i) text += "%" + std::to_string(i) + " = NEG index (%" + std::to_string(i - 1) + ")\n";
  UOp root = parse_one(text);
  EXPECT_EQ(root.op(), Op::NEG);
  EXPECT_EQ(to_text(root), text);
}

TEST(Dot, LabelsNodesAndNumbersEdges) {
  UOp x = UOp::var("x", 0, 10);
  UOp e = x * 4 + x;
  std::string dot = to_dot(e);
  EXPECT_EQ(dot.rfind("digraph uop {\n", 0), 0u) << dot;
  EXPECT_NE(dot.find("n0 [label=\"DEFINE_VAR\\nindex\\nx in [0, 10]\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("n0 -> n2 [label=\"0\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n1 -> n2 [label=\"1\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n0 -> n3 [label=\"1\"]"), std::string::npos) << dot;
  EXPECT_EQ(dot, to_dot(e));  // deterministic
  std::string quoted =
      to_dot(UOp::make(Op::COPY, dtypes::float32, {UOp::constant_float(dtypes::float32, 1)}, std::string("a\"b")));
  EXPECT_NE(quoted.find("\\\"a\\\\\\\"b\\\""), std::string::npos) << quoted;
}

}  // namespace
}  // namespace anvil
