#pragma once
// Test helpers for kernel actions (opt_test.cpp, vectorize_test.cpp): run one scheduled kernel, with
// or without actions, on a backend; an action's refusal as text.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/runtime/backend.h"
#include "engine/schedule/schedule.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil::opt_test {

// Runs one kernel (possibly with actions applied) on a backend; returns its output bytes. Buffers
// made by earlier kernels of a schedule are looked up in `made` (by uid), and this one's output
// is put there.
inline std::vector<uint8_t> run(const Backend& b, const Kernel& k, const UOp& ast,
                                std::map<int64_t, std::shared_ptr<Buffer>>* made = nullptr) {
  const std::vector<UOp> program = linearize(ast);
  const std::shared_ptr<Program> p = b.compile(program, b.render(program, "k"), "k");
  std::vector<std::shared_ptr<Buffer>> held;
  std::vector<Buffer*> slots;
  for (size_t i = 0; i < k.buffers.size(); ++i) {
    const UOp& buf = k.buffers[i];
    const int64_t uid = buf.arg_ints()[0];
    if (i < k.n_outputs) {
      held.push_back(std::make_shared<Buffer>(buf.dtype(), static_cast<size_t>(buf.arg_ints()[1])));
      if (made) (*made)[uid] = held.back();
    } else {
      held.push_back(made && made->count(uid) ? made->at(uid) : storage_of(uid));
    }
    slots.push_back(held.back().get());
  }
  for (int64_t t = 0; t < thread_chunks(ast); ++t) {
    std::map<std::string, int64_t> vars;
    if (thread_chunks(ast) > 1) vars[std::string(kThreadVar)] = t;
    p->run(slots, vars);
  }
  return std::vector<uint8_t>(held[0]->bytes.begin(), held[0]->bytes.end());
}

inline const Kernel& only_kernel(const std::vector<Kernel>& ks) {
  EXPECT_EQ(ks.size(), 1u);
  return ks.back();
}

// The message of the anvil::Error that applying `opt` raises, or "no error".
inline std::string refusal(const UOp& ast, const Opt& opt) {
  try {
    apply_opt(ast, opt);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace anvil::opt_test
