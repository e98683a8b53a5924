// The conformance matrix: the shape classes build what they claim, a failure is reported with a
// replayable shrunk case, and (ConformMatrix, one CTest entry per backend) the quick matrix of the
// backend ANVIL_CONFORM_BACKEND names has no failing cell.
#include "verify/conform/matrix.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/source.h"
#include "verify/conform/shape_class.h"
#include "verify/ops/op_table.h"

namespace anvil::conform {
namespace {

bool has_op(const UOp& root, Op op) {
  for (const UOp& u : root.toposort())
    if (u.op() == op) return true;
  return false;
}

TEST(ShapeClass, SamplesFallInTheirClass) {
  const ops::OpRow* add = ops::find_op("add");
  ASSERT_NE(add, nullptr);
  for (const Shapes& s : class_shapes(*add, ShapeClass::Scalar))
    for (const Shape& x : s) EXPECT_TRUE(x.empty());
  for (const Shapes& s : class_shapes(*add, ShapeClass::Empty)) {
    bool empty = false;
    for (const Shape& x : s) empty = empty || shape_numel(x) == 0;
    EXPECT_TRUE(empty);
  }
  ASSERT_FALSE(class_shapes(*add, ShapeClass::Broadcast).empty());
  for (const Shapes& s : class_shapes(*add, ShapeClass::Broadcast)) EXPECT_NE(s[0], s[1]);
  const std::vector<Shapes> large = class_shapes(*add, ShapeClass::Large);
  ASSERT_FALSE(large.empty());
  EXPECT_GE(shape_numel(large.front()[0]), 4096);
  EXPECT_LE(shape_numel(large.front()[0]), 1 << 14);
}

TEST(ShapeClass, ViewsAndPadsReachTheGraph) {
  install_interp_realizer();
  const Shape shape{3, 4};
  bool saw[4] = {};
  for (uint64_t seed = 0; seed < 64; ++seed) {
    fuzz::SeededSource src(seed);
    const Tensor v = class_input(src, shape, dtypes::float32, ShapeClass::View, true);
    EXPECT_EQ(v.shape(), shape);
    saw[0] = saw[0] || has_op(v.uop(), Op::PERMUTE);
    saw[1] = saw[1] || has_op(v.uop(), Op::EXPAND);
    saw[2] = saw[2] || has_op(v.uop(), Op::SHRINK);
    const Tensor p = class_input(src, shape, dtypes::float32, ShapeClass::Padded, true);
    EXPECT_EQ(p.shape(), shape);
    saw[3] = saw[3] || has_op(p.uop(), Op::PAD);
  }
  for (bool s : saw) EXPECT_TRUE(s);
}

TEST(Matrix, RunsCellsAndWritesReports) {
  Options o;
  o.backend = "interp";
  o.cases = 2;
  o.sample = 4;
  o.rows = {"add", "neg"};
  const Result r = run_matrix(o);
  EXPECT_GE(r.count(Status::Pass), 6u);
  EXPECT_EQ(r.count(Status::Fail), 0u);
  const std::string md = to_markdown(r, {"abc", "today", "ci"});
  EXPECT_NE(md.find("| add |"), std::string::npos);
  EXPECT_NE(to_json(r, {"abc", "today", "ci"}).find("\"backend\": \"interp\""), std::string::npos);
  EXPECT_THROW(run_matrix(Options{.backend = "no-such-backend"}), Error);
}

// The quick matrix of one backend: one cell (rotating dtype and shape class) of a row of each op family.
TEST(ConformMatrix, QuickMatrixHasNoFailure) {
  const char* backend = std::getenv("ANVIL_CONFORM_BACKEND");
  Options o;
  o.backend = backend ? backend : "interp";
  o.cases = 2;
  o.sample = 1;
  o.rows = {"neg",       "exp",        "log",     "sin",         "sqrt_pos",
            "to_int8",   "to_float16", "add",     "sub",         "mul",
            "div",       "remainder",  "maximum", "bitwise_and", "shl_int3",
            "eq",        "lt",         "where",   "sum_all",     "sum_axis1_keepdim",
            "max_axis1", "prod",       "mean",    "softmax",     "matmul",
            "permute",   "pad",        "shrink",  "flip",        "expand",
            "cat",       "cumsum",     "gather",  "conv2d",      "max_pool2d",
            "clamp"};
  // Nightly sizes: ANVIL_CONFORM_CASES, ANVIL_CONFORM_SAMPLE (0: every cell) and ANVIL_CONFORM_ROWS (a,b; "all").
  if (const char* n = std::getenv("ANVIL_CONFORM_CASES")) o.cases = std::atoi(n);
  if (const char* n = std::getenv("ANVIL_CONFORM_SAMPLE")) o.sample = std::atoi(n);
  if (const char* rows = std::getenv("ANVIL_CONFORM_ROWS")) {
    o.rows.clear();
    std::stringstream in(rows);
    for (std::string row; std::getline(in, row, ',');)
      if (!row.empty() && row != "all") o.rows.push_back(row);
  }
  o.case_dir = (std::filesystem::temp_directory_path() / ("anvil-conform-" + o.backend)).string();
  const Result r = run_matrix(o);
  std::printf("%s: %zu cells, %zu pass, %zu fail, %zu unsupported, %zu refused, %.1f s\n", o.backend.c_str(),
              r.cells.size(), r.count(Status::Pass), r.count(Status::Fail), r.count(Status::Unsupported),
              r.count(Status::Refused), r.seconds);
  EXPECT_GT(r.count(Status::Pass), r.cells.size() / 2);
  for (const Cell& c : r.cells)
    if (c.status == Status::Fail)
      ADD_FAILURE() << c.row << " / " << name(c.dtype) << " / " << class_name(c.shape_class) << ": " << c.message
                    << "\n"
                    << c.case_text;
}

}  // namespace
}  // namespace anvil::conform
