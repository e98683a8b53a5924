#include "engine/tensor/storage.h"

#include <gtest/gtest.h>

#include "engine/support/error.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

TEST(Storage, UidsAreFresh) {
  const int64_t a = new_buffer_uid(), b = new_buffer_uid();
  EXPECT_NE(a, b);
  EXPECT_GT(a, 0);
}

TEST(Storage, HeldUntilClaimedThenWeak) {
  const int64_t uid = new_buffer_uid();
  register_storage(uid, std::make_shared<Buffer>(dtypes::int32, 3));
  ASSERT_TRUE(storage_of(uid));  // the registry keeps an unclaimed buffer alive
  std::shared_ptr<Buffer> owner = claim_storage(uid);
  ASSERT_TRUE(owner);
  EXPECT_EQ(storage_of(uid), owner);
  owner.reset();
  EXPECT_FALSE(storage_of(uid));  // once its owners are gone, so is the buffer
  EXPECT_FALSE(storage_of(new_buffer_uid()));
}

TEST(Storage, TensorsOwnTheirStorage) {
  int64_t uid = 0;
  {
    Tensor t = Tensor::from(std::vector<float>{1, 2, 3});
    uid = t.uop().arg_ints()[0];
    Tensor derived = t * 2;
    t = Tensor();
    EXPECT_TRUE(storage_of(uid));  // a derived graph keeps its leaves' storage
  }
  EXPECT_FALSE(storage_of(uid));
}

TEST(Storage, RealizeWithoutBackendRaises) {
  Tensor t = Tensor::from(std::vector<int32_t>{1, 2}) + 1;
  EXPECT_THROW(t.realize(), Error);
  Tensor h = Tensor::from(std::vector<int32_t>{1, 2}, Shape{2, 1});
  EXPECT_TRUE(h.is_realized());  // host data needs no backend
  EXPECT_EQ(h.to_vector<int32_t>(), (std::vector<int32_t>{1, 2}));
}

}  // namespace
}  // namespace anvil

namespace anvil {
namespace {

// A stand-in backend: a result of sevens, registered as a realizer must.
UOp sevens(const UOp& root) {
  const int64_t n = shape_numel(*root.shape()), uid = new_buffer_uid();
  auto b = std::make_shared<Buffer>(root.dtype(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) b->set(static_cast<size_t>(i), Value::of_int(7));
  register_storage(uid, b);
  const UOp leaf = UOp::make(Op::BUFFER, root.dtype(), {}, std::vector<int64_t>{uid, n});
  return UOp::make(Op::RESHAPE, root.dtype(), {leaf}, *root.shape());
}

TEST(Storage, RealizeAdoptsTheRealizersStorage) {
  set_realizer(&sevens);
  Tensor t = Tensor::from(std::vector<int32_t>{1, 2, 3, 4}, Shape{2, 2}) + 1;
  Tensor copy = t;
  t.realize();
  EXPECT_TRUE(copy.is_realized());  // handles share the realized graph
  EXPECT_EQ(copy.shape(), (Shape{2, 2}));
  EXPECT_EQ(copy.to_vector<int32_t>(), (std::vector<int32_t>{7, 7, 7, 7}));
  const int64_t uid = t.uop().src(0).arg_ints()[0];
  t = Tensor();
  copy = Tensor();
  EXPECT_FALSE(storage_of(uid));  // claimed by the tensors, freed with them
  set_realizer(nullptr);
}

}  // namespace
}  // namespace anvil
