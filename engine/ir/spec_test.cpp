#include "engine/ir/spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/ir/text.h"

namespace anvil {
namespace {

// Graphs are written in the text form; the last line is the root (unused lines are other roots).
void ok(const std::string& text, Stage stage) {
  UOp root = parse_text(text).back();
  std::optional<std::string> p = validate(root, stage);
  EXPECT_FALSE(p.has_value()) << text << "\n -> " << p.value_or("");
}
void bad(const std::string& text, Stage stage, const std::string& says) {
  UOp root = parse_text(text).back();
  std::optional<std::string> p = validate(root, stage);
  ASSERT_TRUE(p.has_value()) << "accepted: " << text;
  EXPECT_NE(p->find(says), std::string::npos) << text << "\n -> " << *p;
}
void bad(const UOp& root, Stage stage, const std::string& says) {
  std::optional<std::string> p = validate(root, stage);
  ASSERT_TRUE(p.has_value()) << "accepted: " << to_text(root);
  EXPECT_NE(p->find(says), std::string::npos) << to_text(root) << "\n -> " << *p;
}

// A program: every line of the text, in file order (a roots line listing them all).
std::vector<UOp> program(const std::string& text) {
  std::string roots = "roots";
  size_t n = 0;
  for (size_t at = 0; (at = text.find('%', at)) != std::string::npos; ++at)
    if (at == 0 || text[at - 1] == '\n') {
      size_t e = text.find(' ', at);
      roots += (n++ ? ", " : " ") + text.substr(at, e - at);
    }
  return parse_text(text + "\n" + roots + "\n");
}
std::optional<std::string> check(const std::string& text) { return validate_program(program(text)); }

const std::string kXY = "%x = DEFINE_VAR int32 x in [0, 10]\n%y = DEFINE_VAR int32 y in [-5, 5]\n";
const std::string kF = "%f = CONST float32 0x3f800000\n%g = CONST float32 0x40000000\n";
const std::string kB = "%b = CONST bool true\n";

TEST(Spec, IntExprAcceptsIntegerExpressions) {
  ok(kXY + "%c = CONST int32 3\n%m = MUL int32 (%x, %c)\n%a = ADD int32 (%m, %y)\n%d = FLOORDIV int32 (%a, %c)",
     Stage::IntExpr);
  ok(kXY + "%l = CMPLT bool (%x, %y)\n%w = WHERE int32 (%l, %x, %y)", Stage::IntExpr);
  ok(kXY + "%e = CAST int64 (%x)\n%r = RANGE int64 (%e) 0\n%n = NEG int64 (%r)", Stage::IntExpr);
  ok(kXY + "%s = SHL int32 (%x, %y)\n%t = XOR int32 (%s, %x)\n%u = NOT int32 (%t)\n%v = MULACC int32 (%u, %x, %y)",
     Stage::IntExpr);
}

TEST(Spec, IntExprRejects) {
  bad(kF + "%a = ADD float32 (%f, %g)", Stage::IntExpr,
      "CONST float32: an integer expression is integer or bool scalars");
  bad(kXY + "%a = FDIV int32 (%x, %y)", Stage::IntExpr, "FDIV int32: not allowed at stage IntExpr");
  bad("%x = DEFINE_VAR int32x2 x in [0, 1]", Stage::IntExpr, "a variable is an integer or bool scalar");
  bad("%g = DEFINE_GLOBAL int32*[4] 0", Stage::IntExpr, "not allowed");
  bad(kXY + "%e = CAST float32 (%x)", Stage::IntExpr, "integer or bool scalars");
  bad(kXY + "%e = CAST int64 (%x)\n%r = RANGE int32 (%e) 0", Stage::IntExpr, "its end is an integer of its own dtype");
  bad("%c = CONST int32x4 1", Stage::IntExpr, "CONST int32x4: an integer expression");
}

TEST(Spec, Constants) {
  ok("%c = CONST uint64 18446744073709551615", Stage::IntExpr);
  ok("%c = CONST float16 0x7e00", Stage::Kernel);
  ok("%c = CONST float32 0xffc00001", Stage::Kernel);
  bad(UOp::make(Op::CONST, dtypes::int8, {}, int64_t{200}), Stage::IntExpr,
      "CONST int8: value is not wrapped to its dtype");
  bad(UOp::make(Op::CONST, dtypes::bool_, {}, int64_t{2}), Stage::IntExpr, "not wrapped");
  bad(UOp::make(Op::CONST, dtypes::float16, {}, 0.1), Stage::Kernel,
      "CONST float16: value is not rounded to its dtype");
  bad(UOp::make(Op::CONST, dtypes::float32, {}, int64_t{1}), Stage::Kernel, "CONST float32: arg must be a float");
  bad(UOp::make(Op::CONST, dtypes::void_, {}, int64_t{0}), Stage::Kernel, "a constant needs a value dtype");
}

TEST(Spec, Variables) {
  ok("%x = DEFINE_VAR uint8 x in [0, 255]", Stage::IntExpr);
  bad("%x = DEFINE_VAR int32 x in [5, 4]", Stage::IntExpr, "DEFINE_VAR int32: variable x has lo > hi");
  bad("%x = DEFINE_VAR uint8 x in [0, 256]", Stage::IntExpr, "bounds outside its dtype's range");
  bad("%x = DEFINE_VAR float32 x in [0, 1]", Stage::Kernel, "a variable is an integer or bool scalar");
}

TEST(Spec, TypingRules) {
  const Stage k = Stage::Kernel;
  bad(kXY + kF + "%a = ADD int32 (%x, %f)", k, "ADD int32: source 1 must be int32, is float32");
  bad(kXY + "%a = MAX int64 (%x, %y)", k, "source 0 must be int64");
  ok(kF + "%a = MULACC float32 (%f, %g, %f)", k);
  bad(kF + "%a = MULACC float32 (%f, %g, %g)\n%b = MULACC float64 (%f, %g, %a)", k, "MULACC float64: source 0");
  ok(kXY + "%d = TRUNCMOD int32 (%x, %y)", k);
  bad(kF + "%d = TRUNCDIV float32 (%f, %g)", k, "TRUNCDIV float32: integers only");
  bad(kB + "%d = FLOORMOD bool (%b, %b)", k, "FLOORMOD bool: integers only");
  ok(kF + "%d = FDIV float32 (%f, %g)", k);
  bad(kXY + "%d = FDIV int32 (%x, %y)", k, "FDIV int32: floats only");
  ok(kB + "%d = AND bool (%b, %b)", k);
  ok(kXY + "%d = OR int32 (%x, %y)", k);
  bad(kF + "%d = XOR float32 (%f, %g)", k, "XOR float32: bool or integers only");
  bad(kB + "%d = SHL bool (%b, %b)", k, "SHL bool: integers only");
  ok(kXY + "%d = SHR int32 (%x, %y)", k);
  ok(kF + "%d = CMPNE bool (%f, %g)", k);
  bad(kXY + kF + "%d = CMPEQ bool (%x, %f)", k, "CMPEQ bool: compares two values of one dtype");
  bad(kXY + "%d = CMPLT int32 (%x, %y)", k, "a comparison is bool of its sources' width");
  ok("%v = CONST float32x4 0x3f800000\n%w = CMPLE boolx4 (%v, %v)", k);
  bad("%v = CONST float32x4 0x3f800000\n%w = CMPLE bool (%v, %v)", k, "bool of its sources' width");
  bad(kXY + "%w = WHERE int32 (%x, %x, %y)", k, "WHERE int32: where's condition is bool");
  bad(kXY + kB + kF + "%w = WHERE int32 (%b, %x, %f)", k, "where's arms must be int32");
  ok(kF + "%n = NEG float32 (%f)", k);
  bad(kB + "%n = NEG bool (%b)", k, "NEG bool: negation of a number");
  ok(kB + "%n = NOT bool (%b)", k);
  bad(kF + "%n = NOT float32 (%f)", k, "NOT float32: bool or integers only");
  for (const char* op : {"RECIP", "SQRT", "EXP2", "LOG2", "SIN", "TRUNC"}) {
    ok(kF + "%n = " + op + " float32 (%f)", k);
    bad(kXY + "%n = " + op + " int32 (%x)", k, std::string(op) + " int32: floats only");
  }
  ok(kXY + "%c = CAST float16 (%x)", k);
  ok("%v = CONST int8x4 1\n%c = CAST float32x4 (%v)", k);
  bad("%v = CONST int8x4 1\n%c = CAST float32 (%v)", k, "CAST float32: casts a value to a value of the same width");
  bad("%g = DEFINE_GLOBAL int32*[4] 0\n%c = CAST int64 (%g)", k, "casts a value");
  ok(kF + "%c = BITCAST int32 (%f)", k);
  ok("%v = CONST int8x4 1\n%c = BITCAST float32 (%v)", k);
  bad(kF + "%c = BITCAST int64 (%f)", k, "BITCAST int64: bitcast keeps the total bit width");
}

TEST(Spec, ArgKinds) {
  UOp c = UOp::constant(dtypes::index, 4);
  bad(UOp::make(Op::RANGE, dtypes::index, {c}, std::string("0")), Stage::Kernel, "RANGE index: arg must be an int");
  bad(UOp::make(Op::ADD, dtypes::index, {c, c}, int64_t{1}), Stage::IntExpr, "ADD index: arg must be no arg");
  bad(UOp::make(Op::DEFINE_VAR, dtypes::float32, {}, int64_t{1}), Stage::Kernel, "arg must be a variable");
  bad(UOp::make(Op::CONST, dtypes::int32.ptr(), {}, 1.0), Stage::Kernel, "arg must be an int");
}

TEST(Spec, KernelNodes) {
  const Stage k = Stage::Kernel;
  ok("%g = DEFINE_GLOBAL float32*[16] 0", k);
  bad("%g = DEFINE_GLOBAL float32* 0", k,
      "DEFINE_GLOBAL float32*: needs a pointer in its address space with a known size");
  bad("%g = DEFINE_GLOBAL float32*local[4] 0", k, "needs a pointer in its address space");
  bad("%g = DEFINE_GLOBAL float32*[4] -1", k, "slot must be >= 0");
  ok("%g = DEFINE_LOCAL float32*local[16] 0", k);
  ok("%g = DEFINE_REG float32*reg[0] 0", k);
  bad("%g = DEFINE_REG float32*local[4] 0", k, "DEFINE_REG float32*local[4]: needs a pointer");
  bad("%c = CONST int32 4\n%r = RANGE index (%c) 0", k, "RANGE index: its end is an integer of its own dtype");
  bad("%c = CONST int32 4\n%r = SPECIAL index (%c) \"gidx0\"", k, "SPECIAL index: its end");
  ok("%c = CONST int32 4\n%r = SPECIAL int32 (%c) \"gidx0\"", k);
  bad("%c = CONST index 4\n%e = END void (%c)", k, "END void: source 0 must be the RANGE it closes");
  bad("%c = CONST index 4\n%r = RANGE index (%c) 0\n%e = END index (%r)", k, "dtype must be void");
  bad("%c = CONST int32 4\n%i = IF void (%c)", k, "IF void: void, on a bool condition");
  bad("%c = CONST bool true\n%i = ENDIF void (%c)", k, "ENDIF void: void, closing an IF");
  const std::string g = "%g = DEFINE_GLOBAL float32*[16] 0\n%c = CONST index 3\n%b = CONST bool true\n";
  ok(g + "%i = INDEX float32*[16] (%g, %c, %b)", k);
  bad(g + "%i = INDEX float32*[16] (%g)", k, "INDEX float32*[16]: sources: pointer, index[, gate]");
  bad(g + "%i = INDEX float32* (%g, %c)", k, "dtype must be its pointer's dtype");
  bad(g + "%i = INDEX float32*[16] (%g, %b)", k, "the index must be an integer scalar");
  bad(g + "%i = INDEX float32*[16] (%g, %c, %c)", k, "the gate must be bool");
  ok(g + "%i = INDEX float32*[16] (%g, %c)\n%l = LOAD float32 (%i)", k);
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%l = LOAD float16 (%i)", k,
      "LOAD float16: loads the pointee dtype float32");
  ok(g + "%i = INDEX float32*[16] (%g, %c)\n%l = LOAD float32x4 (%i)", k);  // elements 3..6 (vectorize)
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%l = LOAD float16x4 (%i)", k, "loads the pointee dtype float32, or lanes");
  ok(g + "%i = INDEX float32*[16] (%g, %c)\n%f = CONST float32 0x0\n%v = VECTORIZE float32x2 (%f, %f)\n"
         "%s = STORE void (%i, %v)",
     k);
  bad(g + "%l = LOAD float32 (%g)", k, "sources: INDEX[, alternative]");
  bad(g + "%i = INDEX float32*[16] (%g, %c, %b)\n%l = LOAD float32 (%i)", k, "an alternative value is needed exactly");
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%f = CONST float32 0x0\n%l = LOAD float32 (%i, %f)", k, "exactly when");
  ok(g + "%i = INDEX float32*[16] (%g, %c, %b)\n%f = CONST float32 0x0\n%l = LOAD float32 (%i, %f)", k);
  bad(g + "%i = INDEX float32*[16] (%g, %c, %b)\n%f = CONST float16 0x0\n%l = LOAD float32 (%i, %f)", k,
      "the alternative must be float32");
  // Trailing void sources order a load after an effect (a STORE, an END); they carry no value.
  ok(g + "%i = INDEX float32*[16] (%g, %c)\n%f = CONST float32 0x0\n%s = STORE void (%i, %f)\n%l = LOAD float32 (%i, "
         "%s)",
     k);
  ok(g + "%i = INDEX float32*[16] (%g, %c, %b)\n%f = CONST float32 0x0\n%j = INDEX float32*[16] (%g, %c)\n"
         "%s = STORE void (%j, %f)\n%l = LOAD float32 (%i, %f, %s)",
     k);
  bad(g + "%i = INDEX float32*[16] (%g, %c, %b)\n%f = CONST float32 0x0\n%j = INDEX float32*[16] (%g, %c)\n"
          "%s = STORE void (%j, %f)\n%l = LOAD float32 (%i, %s)",
      k, "an alternative value is needed exactly");
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%f = IF void (%b)\n%l = LOAD float32 (%i, %f)", k,
      "an ordering source is a STORE, END or BARRIER");
  ok(g + "%i = INDEX float32*[16] (%g, %c)\n%f = CONST float32 0x0\n%s = STORE void (%i, %f)\n%k = SINK void (%s)", k);
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%s = STORE void (%i, %c)", k,
      "STORE void: stores the pointee dtype float32");
  bad(g + "%i = INDEX float32*[16] (%g, %c)\n%f = CONST float32 0x0\n%s = STORE float32 (%i, %f)", k,
      "dtype must be void");
  bad(g + "%s = STORE void (%g, %c)", k, "sources: INDEX, value");
  bad("%c = CONST index 3\n%s = SINK index (%c)", k, "SINK index: dtype must be void");
  bad("%c = CONST index 3\n%s = BARRIER index (%c)", k, "BARRIER index: dtype must be void");
  bad("%s = SINK void\n%t = SINK void (%s)", k, "a SINK is only the root");
  ok(kF + "%v = VECTORIZE float32x2 (%f, %g)\n%e = GEP float32 (%v) 1", k);
  bad(kF + "%v = VECTORIZE float32x4 (%f, %g)", k, "VECTORIZE float32x4: one source per lane");
  bad(kXY + kF + "%v = VECTORIZE float32x2 (%f, %x)", k, "lanes must be float32");
  bad(kF + "%v = VECTORIZE float32x2 (%f, %g)\n%e = GEP float32 (%v) 2", k, "GEP float32: lane out of range");
  bad(kF + "%v = VECTORIZE float32x2 (%f, %g)\n%e = GEP int32 (%v) 0", k, "takes one lane of a vector");
  bad("%b = BUFFER float32 [1, 4]", k, "BUFFER float32: not allowed at stage Kernel");
  bad("%c = CONST index 3\n%r = REDUCE index (%c) ADD []", k, "REDUCE index: not allowed");
}

TEST(Spec, TensorGraphs) {
  const Stage t = Stage::Tensor;
  ok("%b = BUFFER float32 [1, 12]\n%r = RESHAPE float32 (%b) [3, 4]\n%p = PERMUTE float32 (%r) [1, 0]\n"
     "%e = EXPAND float32 (%p) [4, 3]\n%s = SHRINK float32 (%e) [0, 2, 1, 3]\n%q = PAD float32 (%s) [1, 1, 0, 0]\n"
     "%f = FLIP float32 (%q) [0]\n%x = REDUCE_AXIS float32 (%f) ADD [1]\n%c = CONTIGUOUS float32 (%x)\n"
     "%d = DETACH float32 (%c)\n%y = COPY float32 (%d) \"cpu\"\n%a = ASSIGN float32 (%b, %y)\n%k = SINK void (%a)",
     t);
  bad("%b = BUFFER float32 [1]", t, "BUFFER float32: arg is {unique id, element count}");
  bad("%b = PARAM float32 [1, 2]", t, "PARAM float32: arg is {unique id}");
  bad("%b = BUFFER float32 [1, 12]\n%r = RESHAPE float32 (%b) [-1, 4]", t,
      "RESHAPE float32: movement arg entries must be >= 0");
  bad("%b = BUFFER float32 [1, 12]\n%r = PAD float32 (%b) [1]", t, "PAD float32: arg is pairs per axis");
  bad("%b = BUFFER float32 [1, 12]\n%r = SHRINK float32 (%b) [3, 2]", t, "shrink begins after it ends");
  bad("%b = BUFFER float32 [1, 12]\n%r = FLIP float16 (%b) [0]", t, "movement keeps the dtype");
  bad("%b = BUFFER float32 [1, 12]\n%r = REDUCE_AXIS float32 (%b) SUB [0]", t, "reduces with ADD, MUL, MAX or MIN");
  bad("%b = BUFFER float32 [1, 12]\n%r = REDUCE_AXIS float32 (%b) ADD [-1]", t, "axes must be >= 0");
  bad("%b = BUFFER float32 [1, 12]\n%r = CONTIGUOUS int32 (%b)", t, "keeps its source's dtype");
  bad("%b = BUFFER float32 [1, 12]\n%c = BUFFER int32 [2, 12]\n%r = ASSIGN float32 (%b, %c)", t, "share a dtype");
  bad("%g = DEFINE_GLOBAL float32*[16] 0", t, "not allowed at stage Tensor");
}

const std::string kCopy =
    "%out = DEFINE_GLOBAL float32*[16] 0\n"
    "%in = DEFINE_GLOBAL float32*[16] 1\n"
    "%n = CONST index 16\n"
    "%r = RANGE index (%n) 0\n"
    "%ii = INDEX float32*[16] (%in, %r)\n"
    "%v = LOAD float32 (%ii)\n"
    "%oi = INDEX float32*[16] (%out, %r)\n"
    "%s = STORE void (%oi, %v)\n"
    "%e = END void (%r, %s)\n";

TEST(Spec, Programs) {
  EXPECT_EQ(check(kCopy + "%k = SINK void (%e)"), std::nullopt);
  // Read back through memory after the loop: fine.
  EXPECT_EQ(check(kCopy + "%z = CONST index 0\n%zi = INDEX float32*[16] (%out, %z)\n%w = LOAD float32 (%zi)\n"
                          "%zs = STORE void (%zi, %w)\n%k = SINK void (%e, %zs)"),
            std::nullopt);
  // A loop-local value used after its END.
  std::optional<std::string> p = check(kCopy + "%w = ADD float32 (%v, %v)");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[9] ADD float32: uses LOAD float32 after the END of the RANGE at [3]"), std::string::npos) << *p;
  p = check(kCopy + "%k = SINK void (%e)\n%z = CONST index 0");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("SINK void: SINK must be last"), std::string::npos) << *p;
  // Nesting: an inner END after the outer one, and a RANGE never closed.
  p = check(
      "%n = CONST index 4\n%a = RANGE index (%n) 0\n%b = RANGE index (%n) 1\n%ea = END void (%a)\n%eb = END void (%b)");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[3] END void: closes RANGE index at [1], which is not the innermost open scope"),
            std::string::npos)
      << *p;
  EXPECT_EQ(check("%n = CONST index 4\n%a = RANGE index (%n) 0\n%b = RANGE index (%n) 1\n%eb = END void (%b)\n"
                  "%ea = END void (%a)"),
            std::nullopt);
  p = check("%n = CONST index 4\n%a = RANGE index (%n) 0");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[1] RANGE index: never closed"), std::string::npos) << *p;
  // IF/ENDIF nest with RANGEs.
  EXPECT_EQ(check("%n = CONST index 4\n%a = RANGE index (%n) 0\n%c = CMPLT bool (%a, %n)\n%i = IF void (%c)\n"
                  "%ei = ENDIF void (%i)\n%ea = END void (%a)"),
            std::nullopt);
  p = check(
      "%n = CONST index 4\n%a = RANGE index (%n) 0\n%c = CMPLT bool (%a, %n)\n%i = IF void (%c)\n"
      "%ea = END void (%a)\n%ei = ENDIF void (%i)");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("not the innermost open scope"), std::string::npos) << *p;
  // Order: a source after its user, a node twice, a node missing.
  UOp n = UOp::constant(dtypes::index, 4);
  UOp m = n + n;
  p = validate_program(std::vector<UOp>{m, n});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[0] ADD index: a source (CONST index) does not come earlier"), std::string::npos) << *p;
  p = validate_program(std::vector<UOp>{n, n});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[1] CONST index: appears twice"), std::string::npos) << *p;
  p = validate_program(std::vector<UOp>{n, UOp::make(Op::BUFFER, dtypes::float32, {}, std::vector<int64_t>{0, 1})});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("[1] BUFFER float32: not allowed at stage Kernel"), std::string::npos) << *p;
  EXPECT_EQ(validate_program({}), std::nullopt);
}

TEST(Spec, CheckAfterPassPassesValidGraphs) {
  check_after_pass(UOp::var("x", 0, 4) + 1, Stage::IntExpr, "test");
#ifdef ANVIL_VALIDATE
  EXPECT_DEATH(check_after_pass(UOp::make(Op::CONST, dtypes::int8, {}, int64_t{999}), Stage::IntExpr, "broken_pass"),
               "after broken_pass, IntExpr spec: %0 CONST int8: value is not wrapped");
#endif
}

// Validators are the fuzz targets' gate: any graph at all gets an answer, never a crash.
TEST(Spec, NeverCrashesOnRandomGraphs) {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const Arg args[] = {Arg{},
                      Arg{int64_t{-1}},
                      Arg{int64_t{2}},
                      Arg{1.5},
                      Arg{std::string("s")},
                      Arg{std::vector<int64_t>{3, -1}},
                      Arg{VarArg{"v", 5, -5}},
                      Arg{ReduceArg{Op::SUB, {0}}}};
  for (int round = 0; round < 300; ++round) {
    std::vector<UOp> pool;
    for (int i = 0; i < 30; ++i) {
      Op op = static_cast<Op>(pick(0, kOpCount - 1));
      DType d{static_cast<Scalar>(pick(0, kScalarCount - 1))};
      if (pick(0, 3) == 0) d = d.vec(pick(2, 4));
      if (pick(0, 3) == 0) d = d.ptr(static_cast<AddrSpace>(pick(0, 2)), pick(-1, 8));
      Arg arg = args[pick(0, 7)];
      if (op == Op::CONST || op == Op::DEFINE_VAR) {  // range analysis needs their arg of the right kind
        if (pick(0, 1)) arg = expected_arg_kind(op, d) == ArgKind::Float ? Arg{0.1} : Arg{int64_t{pick(-300, 300)}};
        if (op == Op::DEFINE_VAR) arg = VarArg{"v", pick(-3, 3), pick(-3, 3)};
        if (op == Op::CONST && std::holds_alternative<int64_t>(arg) != (expected_arg_kind(op, d) == ArgKind::Int))
          arg = expected_arg_kind(op, d) == ArgKind::Int ? Arg{int64_t{1}} : Arg{1.0};
      }
      std::vector<UOp> src;
      int arity = op_arity(op);
      for (int s = arity < 0 ? pick(0, 3) : arity; s > 0 && !pool.empty(); --s)
        src.push_back(pool[pick(0, static_cast<int>(pool.size()) - 1)]);
      if (arity >= 0 && static_cast<int>(src.size()) != arity) continue;
      pool.push_back(UOp::make(op, d, std::move(src), std::move(arg)));
    }
    for (const UOp& u : pool)
      for (Stage s : {Stage::IntExpr, Stage::Kernel, Stage::Tensor}) (void)validate(u, s);
    (void)validate_program(pool);
    std::shuffle(pool.begin(), pool.end(), rng);
    (void)validate_program(pool);
  }
}

}  // namespace
}  // namespace anvil
