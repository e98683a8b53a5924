// Random programs, mostly well formed, some not: the interpreter returns a result or raises
// anvil::Error, and never crashes, hangs or trips a sanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "engine/runtime/interp/program.h"
#include "engine/support/error.h"

namespace anvil::interp {
namespace {

class ProgramGen {
 public:
  explicit ProgramGen(uint64_t seed) : rng_(seed) {}

  std::vector<UOp> make(int length) {
    prog_.clear();
    ints_.clear();
    bools_.clear();
    floats_.clear();
    ptrs_.clear();
    open_.clear();
    // A wrong size now and then: the run must refuse it.
    const int64_t fsize = chance(20) ? 7 : 8;
    emit(UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(AddrSpace::Global, fsize), {}, int64_t{0}), ptrs_);
    emit(UOp::make(Op::DEFINE_GLOBAL, dtypes::int32.ptr(AddrSpace::Global, 8), {}, int64_t{1}), ptrs_);
    emit(UOp::make(Op::DEFINE_REG, dtypes::float32.ptr(AddrSpace::Reg, 2), {}, int64_t{0}), ptrs_);
    for (int i = 0; i < length; ++i) step();
    while (!open_.empty() && !chance(30)) close();
    return prog_;
  }

 private:
  struct Open {
    UOp node;
    size_t ints, bools, floats, ptrs;
  };

  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[rng_() % v.size()];
  }
  void emit(const UOp& u, std::vector<UOp>& pool) {
    prog_.push_back(u);
    pool.push_back(u);
  }
  void emit(const UOp& u) { prog_.push_back(u); }

  void close() {
    const Open o = open_.back();
    open_.pop_back();
    emit(UOp::make(o.node.op() == Op::RANGE ? Op::END : Op::ENDIF, dtypes::void_, {o.node}));
    ints_.resize(o.ints), bools_.resize(o.bools), floats_.resize(o.floats), ptrs_.resize(o.ptrs);
  }

  UOp scalar_of(const UOp& ptr) { return ptr.dtype().scalar == Scalar::Float32 ? pick(floats_) : pick(ints_); }

  void step() {
    const Op int_ops[] = {Op::ADD, Op::SUB, Op::MUL, Op::TRUNCDIV, Op::FLOORMOD, Op::MAX, Op::SHL, Op::SHR};
    switch (rng_() % 12) {
      case 0: emit(UOp::constant(dtypes::index, static_cast<int64_t>(rng_() % 14) - 3), ints_); break;
      case 1: emit(UOp::constant_float(dtypes::float32, static_cast<double>(rng_() % 9) - 4), floats_); break;
      case 2:
        if (!ints_.empty())
          emit(UOp::make(int_ops[rng_() % std::size(int_ops)], dtypes::index, {pick(ints_), pick(ints_)}), ints_);
        break;
      case 3:
        if (!ints_.empty()) emit(pick(ints_).lt(pick(ints_)), bools_);
        break;
      case 4:
        if (!floats_.empty()) emit(pick(floats_) * pick(floats_), floats_);
        break;
      case 5:
      case 6:
        if (!ints_.empty() && open_.size() < 3) {
          UOp r = UOp::make(Op::RANGE, dtypes::index, {pick(ints_)}, static_cast<int64_t>(prog_.size()));
          open_.push_back({r, ints_.size(), bools_.size(), floats_.size(), ptrs_.size()});
          emit(r, ints_);
        }
        break;
      case 7:
        if (!bools_.empty() && open_.size() < 3) {
          UOp c = UOp::make(Op::IF, dtypes::void_, {pick(bools_)});
          open_.push_back({c, ints_.size(), bools_.size(), floats_.size(), ptrs_.size()});
          emit(c);
        }
        break;
      case 8:
        if (!open_.empty()) close();
        break;
      case 9:
        if (!ints_.empty()) {
          const UOp& p = pick(ptrs_);
          std::vector<UOp> src{p, pick(ints_)};
          if (!bools_.empty() && chance(40)) src.push_back(pick(bools_));
          emit(UOp::make(Op::INDEX, p.dtype(), src), ptrs_);
        }
        break;
      case 10: {
        const UOp& p = pick(ptrs_);
        const bool f = p.dtype().scalar == Scalar::Float32;
        if ((f && floats_.empty()) || (!f && ints_.empty())) break;
        UOp v = scalar_of(p);
        if (!f) {  // the int32 buffer takes int32 values
          UOp c = v.cast(dtypes::int32);
          emit(c);
          v = c;
        }
        emit(UOp::make(Op::STORE, dtypes::void_, {p, v}));
        break;
      }
      case 11: {
        const UOp& p = pick(ptrs_);
        UOp ld = UOp::make(Op::LOAD, p.dtype().elem(), {p});
        if (p.dtype().scalar == Scalar::Float32)
          emit(ld, floats_);
        else
          emit(ld);
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  std::vector<UOp> prog_, ints_, bools_, floats_, ptrs_;
  std::vector<Open> open_;
};

TEST(ProgramRandom, NeverCrashes) {
  ProgramGen gen(2024);
  int ran = 0, refused = 0, with_events = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::vector<UOp> prog = gen.make(10 + i % 40);
    Buffer f(dtypes::float32, 8), n(dtypes::int32, 8);
    std::vector<Buffer*> bufs{&f, &n};
    try {
      RunResult r = run_program(prog, bufs, {}, 5000);
      ++ran;
      with_events += r.ok() ? 0 : 1;
      ASSERT_LE(r.steps, 5000u);
      ASSERT_LE(r.events.size(), kMaxEvents);
      ASSERT_EQ(r.events.size(), std::min<uint64_t>(r.event_count, kMaxEvents));
    } catch (const Error& e) {
      ++refused;
      ASSERT_EQ(e.op(), "interp") << e.what();
    }
  }
  std::printf("ran %d (%d with events), refused %d\n", ran, with_events, refused);
  EXPECT_GT(ran, 1000);
  EXPECT_GT(with_events, 100);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace anvil::interp
