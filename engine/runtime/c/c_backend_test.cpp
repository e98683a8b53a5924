// The `c` backend's own pieces: what it renders, the compile cache on disk, and its refusals.
// Its values against interp are checked for every op and dtype by runtime/backend_matrix_test.cpp.
#include "engine/runtime/c/c_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/runtime/c/render_c.h"

namespace anvil {
namespace {

namespace fs = std::filesystem;

UOp global(int64_t slot, DType elem, int64_t n) {
  return UOp::make(Op::DEFINE_GLOBAL, elem.ptr(AddrSpace::Global, n), {}, slot);
}
UOp index(const UOp& ptr, const UOp& i) { return UOp::make(Op::INDEX, ptr.dtype(), {ptr, i}); }
UOp load(const UOp& at) { return UOp::make(Op::LOAD, at.dtype().elem(), {at}); }
UOp store(const UOp& at, const UOp& v) { return UOp::make(Op::STORE, dtypes::void_, {at, v}); }

// out[i] = op(a[i], b[i]) over n int32 elements.
std::vector<UOp> binary_program(Op op, DType dt, int64_t n) {
  const UOp g0 = global(0, dt, n), g1 = global(1, dt, n), g2 = global(2, dt, n);
  const UOp cnt = UOp::constant(dtypes::index, n), r = UOp::make(Op::RANGE, dtypes::index, {cnt}, int64_t{0});
  const UOp x = load(index(g1, r)), y = load(index(g2, r)), v = x.alu(op, y);
  const UOp st = store(index(g0, r), v);
  const UOp e = UOp::make(Op::END, dtypes::void_, {r, st});
  return {g0,
          g1,
          g2,
          cnt,
          r,
          index(g1, r),
          x,
          index(g2, r),
          y,
          v,
          index(g0, r),
          st,
          e,
          UOp::make(Op::SINK, dtypes::void_, {e})};
}

class CBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = c_backend().unavailable(); !why.empty()) GTEST_SKIP() << why;
    dir_ = fs::temp_directory_path() / ("anvil-c-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    old_ = std::getenv("ANVIL_CACHE_DIR") ? std::getenv("ANVIL_CACHE_DIR") : "";
    setenv("ANVIL_CACHE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    if (old_.empty())
      unsetenv("ANVIL_CACHE_DIR");
    else
      setenv("ANVIL_CACHE_DIR", old_.c_str(), 1);
    fs::remove_all(dir_);
  }
  std::vector<fs::path> cached(const std::string& ext) const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().extension() == ext) out.push_back(e.path());
    return out;
  }
  fs::path dir_;
  std::string old_;
};

TEST_F(CBackend, RendersTotalCode) {
  const std::string div = render_c(binary_program(Op::TRUNCDIV, dtypes::int32, 4), "k");
  EXPECT_NE(div.find("anvil_tdiv_i32("), std::string::npos) << div;  // guarded: x/0 and INT_MIN/-1 never trap
  EXPECT_NE(div.find("void k(void* const* restrict buffers, const int64_t* restrict vars)"), std::string::npos);
  const std::string shl = render_c(binary_program(Op::SHL, dtypes::int32, 4), "k");
  EXPECT_NE(shl.find("& 31u"), std::string::npos) << shl;  // the count masked to the width
  const std::string half = render_c(binary_program(Op::ADD, dtypes::float16, 4), "k");
  EXPECT_NE(half.find("anvil_rh("), std::string::npos) << half;  // rounded back to float16 after the op
  EXPECT_NE(half.find("uint16_t* restrict"), std::string::npos) << half;
}

TEST_F(CBackend, CompilesRunsAndCachesOnDisk) {
  const std::vector<UOp> prog = binary_program(Op::ADD, dtypes::int32, 3);
  const std::string src = c_backend().render(prog, "add3");
  Buffer out(dtypes::int32, 3);
  Buffer a = Buffer::from<int32_t>({1, INT32_MAX, -5}), b = Buffer::from<int32_t>({2, 1, 5});
  std::vector<Buffer*> bufs = {&out, &a, &b};
  c_backend().compile(prog, src, "add3")->run(bufs, {});
  EXPECT_EQ(out.to<int32_t>(), (std::vector<int32_t>{3, INT32_MIN, 0}));  // wraps

  ASSERT_EQ(cached(".so").size(), 1u);
  const fs::path so = cached(".so")[0];
  const auto written = fs::last_write_time(so);
  c_backend().compile(prog, src, "add3")->run(bufs, {});  // served from the cache: not rewritten
  EXPECT_EQ(cached(".so").size(), 1u);
  EXPECT_EQ(fs::last_write_time(so), written);
  EXPECT_EQ(cached(".c").size(), 1u);  // the source is kept beside it, for people
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().rfind("tmp-", 0), std::string::npos) << "left behind: " << e.path();
}

// Each helper alone gets a prelude with it and what it calls, and nothing the kernel does not need:
// one translation unit per helper, taking its address, must compile with no implicit declaration.
TEST_F(CBackend, PreludeCarriesOnlyTheHelpersAKernelCalls) {
  const std::string all = c_prelude();
  const std::string div = c_prelude_for("return anvil_tdiv_i32(a, b);", "k");
  EXPECT_NE(div.find("#define ANVIL_SDIV"), std::string::npos) << div;
  EXPECT_NE(div.find("#include <stdint.h>"), std::string::npos) << div;
  EXPECT_EQ(div.find("anvil_h2f"), std::string::npos) << div;
  EXPECT_LT(div.size(), all.size() / 4);
  EXPECT_EQ(c_prelude_for("anvil_no_such_helper(x)", "k"), all);  // unknown: everything, as before
  EXPECT_EQ(c_prelude_for("void anvil_k(void)", "anvil_k").find("ANVIL_SDIV"), std::string::npos);

  std::vector<std::string> helpers;
  for (size_t at = all.find("anvil_"); at != std::string::npos; at = all.find("anvil_", at + 1)) {
    size_t end = at;
    while (end < all.size() && (std::isalnum(static_cast<unsigned char>(all[end])) || all[end] == '_')) ++end;
    const std::string name = all.substr(at, end - at);
    if (name.back() != '_' && (at == 0 || all[at - 1] != '_') &&
        std::find(helpers.begin(), helpers.end(), name) == helpers.end())
      helpers.push_back(name);
  }
  for (const char* pasted : {"anvil_tdiv_i8", "anvil_fmod_i64", "anvil_tmod_u32", "anvil_max_f32", "anvil_min_f64"})
    helpers.push_back(pasted);  // macro-made names
  ASSERT_GE(helpers.size(), 30u);
  fs::create_directories(dir_);
  // Helpers that select the same prelude share a translation unit: fewer compiler runs, same check.
  std::map<std::string, std::string> probes;  // selected prelude -> code using each of its helpers
  for (size_t i = 0; i < helpers.size(); ++i) {
    const std::string code =
        "const void* anvil_probe" + std::to_string(i) + "(void) { return (const void*)&" + helpers[i] + "; }\n";
    const std::string selected = c_prelude_for(code, "anvil_probe" + std::to_string(i));
    EXPECT_LT(selected.size(), all.size()) << helpers[i];
    probes[selected] += code;
  }
  std::string cmd = "cc -std=c11 -fsyntax-only -Werror=implicit-function-declaration -Werror=implicit-int";
  int n = 0;
  for (const auto& [selected, code] : probes) {
    const fs::path f = dir_ / ("probe" + std::to_string(n++) + ".c");
    std::ofstream(f) << selected << code;
    cmd += " " + f.string();
  }
  if (const char* cc = std::getenv("ANVIL_CC"); cc && *cc) cmd.replace(0, 2, cc);
  EXPECT_EQ(std::system((cmd + " 2>&1").c_str()), 0) << cmd;
}

TEST_F(CBackend, CompilerIdRecordsCompilerAndFlags) {
  const std::string id = c_backend().compiler_id();
  EXPECT_NE(id.find("-ffp-contract=off"), std::string::npos) << id;
  EXPECT_NE(id.find("-fwrapv"), std::string::npos) << id;
  EXPECT_NE(id.find("cpu="), std::string::npos) << id;
  EXPECT_EQ(id.find("-ffast-math"), std::string::npos) << id;
}

TEST_F(CBackend, CompilerFailureIsAnEngineBug) {
  const std::vector<UOp> prog = binary_program(Op::ADD, dtypes::int32, 3);
  EXPECT_DEATH(c_backend().compile(prog, "this is not C;", "k"), "C compiler failed");
}

TEST_F(CBackend, StoredBufferMustNotAliasAnother) {
  const std::vector<UOp> prog = binary_program(Op::ADD, dtypes::int32, 3);
  auto p = c_backend().compile(prog, c_backend().render(prog, "k"), "k");
  Buffer a = Buffer::from<int32_t>({1, 2, 3}), b = Buffer::from<int32_t>({1, 1, 1});
  std::vector<Buffer*> aliased = {&a, &a, &b};
  EXPECT_DEATH(p->run(aliased, {}), "restrict");
}

}  // namespace
}  // namespace anvil
