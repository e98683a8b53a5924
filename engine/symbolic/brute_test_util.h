#pragma once
// Test helpers: every point of the variables' ranges (or a sample), evaluated by the interpreter.
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/runtime/interp/eval.h"

namespace anvil::testing_util {

inline std::vector<UOp> vars_of(const UOp& e) {
  std::vector<UOp> vars;
  for (const UOp& u : e.toposort())
    if (u.op() == Op::DEFINE_VAR) vars.push_back(u);
  return vars;
}

// Calls f(env) for every point of the box of `vars` when it has at most `limit` points, else for
// `limit` points drawn with a fixed seed (corners included).
inline void for_each_point(const std::vector<UOp>& vars, size_t limit,
                           const std::function<void(const interp::Env&)>& f) {
  __int128 total = 1;
  for (const UOp& v : vars) total *= static_cast<__int128>(v.arg_var().hi - v.arg_var().lo + 1);
  interp::Env env;
  if (total <= static_cast<__int128>(limit)) {
    for (__int128 k = 0; k < total; ++k) {
      __int128 rest = k;
      for (const UOp& v : vars) {
        const __int128 n = v.arg_var().hi - v.arg_var().lo + 1;
        env[v] = Value::of_int(v.arg_var().lo + rest % n);
        rest /= n;
      }
      f(env);
    }
    return;
  }
  std::mt19937_64 rng(1234);
  for (size_t k = 0; k < limit; ++k) {
    for (const UOp& v : vars) {
      const VarArg& a = v.arg_var();
      int64_t value;
      if (k < 2)
        value = k == 0 ? a.lo : a.hi;
      else
        value = std::uniform_int_distribution<int64_t>(a.lo, a.hi)(rng);
      env[v] = Value::of_int(value);
    }
    f(env);
  }
}

inline Value eval_or_poison(const UOp& e, const interp::Env& env) { return interp::eval(e, env); }

inline std::string show(const Value& v) { return v.poison ? "poison" : to_string(v.i); }

inline std::string show_env(const interp::Env& env) {
  std::map<std::string, std::string> sorted;
  for (const auto& [var, value] : env) sorted[var.arg_var().name] = show(value);
  std::string out;
  for (const auto& [k, v] : sorted) out += k + "=" + v + " ";
  return out;
}

}  // namespace anvil::testing_util
