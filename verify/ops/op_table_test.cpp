// The op table is well formed: unique names, samples that match each row's arity, and every row
// builds a graph (or raises anvil::Error naming its op) on every sample.
#include "verify/ops/op_table.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "verify/ref/ref.h"

namespace anvil::ops {
namespace {

TEST(OpTable, NamesAreUniqueAndFindable) {
  std::set<std::string> seen;
  for (const OpRow& r : op_table()) {
    EXPECT_TRUE(seen.insert(r.name).second) << "duplicate row " << r.name;
    EXPECT_EQ(find_op(r.name), &r);
  }
  EXPECT_EQ(find_op("no_such_op"), nullptr);
  EXPECT_GT(seen.size(), 50u);
}

TEST(OpTable, SamplesMatchArityAndDtypes) {
  for (const OpRow& r : op_table()) {
    EXPECT_FALSE(r.shapes.empty()) << r.name;
    EXPECT_FALSE(r.dtypes.empty()) << r.name;
    EXPECT_TRUE(r.fn) << r.name;
    EXPECT_LE(r.input_dtypes.size(), static_cast<size_t>(r.arity)) << r.name;
    for (const auto& sample : r.shapes) EXPECT_EQ(sample.size(), static_cast<size_t>(r.arity)) << r.name;
  }
}

TEST(OpTable, EveryRowBuildsOrRaisesItsOwnError) {
  for (const OpRow& r : op_table()) {
    for (DType dt : r.dtypes) {
      for (const auto& sample : r.shapes) {
        std::vector<Tensor> in;
        for (size_t i = 0; i < sample.size(); ++i) in.push_back(Tensor::zeros(sample[i], input_dtype(r, i, dt)));
        try {
          Tensor out = r.fn(in);
          EXPECT_GE(out.ndim(), 0);
        } catch (const Error& e) {
          // A row's op may be built from others (rsub is neg + add), so only the message is required.
          EXPECT_FALSE(e.message().empty()) << r.name;
        }
      }
    }
  }
}

// Random rows have no reference for their values (see RandomValues): one seed must repeat them
// exactly, and the next call must draw other values.
TEST(OpTable, RandomRowsRepeatFromASeed) {
  install_interp_realizer();  // rand_like moves its result to the input's device
  size_t rows = 0;
  for (const OpRow& r : op_table()) {
    if (!r.random) continue;
    ++rows;
    const std::vector<Tensor> in = {Tensor::zeros({3, 4}, dtypes::float32)};
    auto draw = [&] {
      const Buffer b = ref::evaluate(r.fn(in).uop()).to_buffer();
      return std::vector<uint8_t>(b.bytes.begin(), b.bytes.end());
    };
    Tensor::manual_seed(1234);
    const std::vector<uint8_t> first = draw(), second = draw();
    Tensor::manual_seed(1234);
    EXPECT_EQ(draw(), first) << r.name << ": the same seed drew other values";
    EXPECT_NE(second, first) << r.name << ": two calls drew the same values";
  }
  EXPECT_GE(rows, 7u);
}

TEST(OpTable, HalfTypesWidenTheTolerance) {
  const OpRow& r = *find_op("add");
  EXPECT_EQ(tolerance(r, dtypes::float32).rtol, 1e-3);
  EXPECT_GT(tolerance(r, dtypes::bfloat16).rtol, tolerance(r, dtypes::float16).rtol);
  EXPECT_EQ(input_dtype(*find_op("where"), 0, dtypes::float32), dtypes::bool_);
  EXPECT_EQ(input_dtype(*find_op("where"), 1, dtypes::float32), dtypes::float32);
}

}  // namespace
}  // namespace anvil::ops
