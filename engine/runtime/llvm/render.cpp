#include "engine/runtime/llvm/render.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <sstream>
#include <unordered_map>

#include "engine/ir/alu.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/llvm/emitter.h"
#include "engine/runtime/llvm/helpers.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil::llvmbe {
namespace {

// DEFINE_REG / DEFINE_LOCAL above this many bytes live on the heap, not the stack.
constexpr int64_t kMaxStackBytes = int64_t{1} << 20;

bool is_entry_op(Op op) {  // no sources and one value per run: computed once in the entry block
  return op == Op::CONST || op == Op::DEFINE_GLOBAL || op == Op::DEFINE_VAR || op == Op::DEFINE_REG ||
         op == Op::DEFINE_LOCAL;
}

size_t load_value_count(const UOp& u) {  // LOAD(INDEX[, alternative][, void deps...])
  size_t n = u.src().size();
  while (n > 1 && u.src(n - 1).dtype().scalar == Scalar::Void) --n;
  return n;
}

// A node's value: one LLVM operand per lane; a pointer node also has per-lane gates (none: always on).
struct Val {
  std::vector<std::string> lanes;
  std::vector<std::string> gates;
};

struct NodeInfo {
  int id = 0;
  int count = 0;       // occurrences in the program
  int def_scope = -1;  // the block its value is defined in
  bool slot = false;   // kept in allocas: defined more than once, or used where its definition does not dominate
  bool emitted = false;
  Val ssa;  // the SSA operands, for nodes without a slot
};

struct Loop {
  std::string type, end, phi, next, body, latch, exit;
  bool is_signed = true;
};

class Renderer : public Emitter {
 public:
  Renderer(std::span<const UOp> prog, const std::string& fn) : prog_(prog), fn_(fn), vars_(var_names(prog)) {}

  std::string run() {
    analyze();
    out_ = &body_;
    cur_ = "L.start";
    for (size_t i = 0; i < prog_.size(); ++i) exec(prog_[i]);
    for (const std::string& p : heap_) line("call void @free(ptr " + p + ")");
    line("ret void");
    std::ostringstream m;
    m << "; anvil llvm backend\n";
    // The body takes each buffer as a noalias argument (as c's restrict: the backend checks that a
    // stored buffer is passed in no other slot), so LLVM vectorizes without run-time alias checks;
    // inlined into the exported wrapper, the arguments become alias scopes.
    m << "define internal void @\"" << fn_ << ".body\"(";
    for (int64_t k = 0; k < globals_; ++k) m << "ptr noalias %g" << k << ", ";
    m << "ptr %vars) #0 {\nentry:\n" << entry_.str() << "  br label %L.start\nL.start:\n" << body_.str() << "}\n\n";
    m << "define void @\"" << fn_ << "\"(ptr %bufs, ptr %vars) #1 {\n";
    for (int64_t k = 0; k < globals_; ++k)
      m << "  %p" << k << " = getelementptr ptr, ptr %bufs, i64 " << k << "\n  %g" << k << " = load ptr, ptr %p" << k
        << ", align 8\n";
    m << "  call void @\"" << fn_ << ".body\"(";
    for (int64_t k = 0; k < globals_; ++k) m << "ptr %g" << k << ", ";
    m << "ptr %vars)\n  ret void\n}\n\n";
    for (const std::string& h : helpers_) m << helper(h).text << "\n";
    for (const std::string& d : decls_) m << d << "\n";
    m << "\nattributes #0 = { alwaysinline nounwind }\nattributes #1 = { nounwind }\n";
    return m.str();
  }

 private:
  // ---- analysis: which values need a slot --------------------------------------------------
  bool dominates(int def_scope, int use_scope) const {
    for (int s = use_scope; s >= 0; s = scope_parent_[static_cast<size_t>(s)])
      if (s == def_scope) return true;
    return false;
  }

  void analyze() {
    scope_parent_.push_back(-1);
    std::vector<int> open = {0};
    fix_nan_ = false;
    for (const UOp& u : prog_) {
      if (u.op() == Op::BITCAST && is_float(u.src(0).dtype().scalar)) fix_nan_ = true;
      if (u.op() == Op::DEFINE_GLOBAL) globals_ = std::max(globals_, u.arg_int() + 1);
      for (const UOp& s : u.src()) {
        if (s.dtype().scalar == Scalar::Void && !s.dtype().is_ptr) continue;  // ordering edges only
        auto it = info_.find(s);
        ANVIL_CHECK(it != info_.end()) << "llvm: a source is used before it is defined: " << u.brief();
        if (!is_entry_op(s.op()) && !dominates(it->second.def_scope, open.back())) it->second.slot = true;
      }
      auto [it, first] = info_.try_emplace(u);
      NodeInfo& n = it->second;
      if (first) n.id = static_cast<int>(info_.size());
      if (++n.count > 1 && !is_entry_op(u.op())) n.slot = true;
      if (u.op() == Op::RANGE || u.op() == Op::IF) {
        scope_parent_.push_back(open.back());
        open.push_back(static_cast<int>(scope_parent_.size()) - 1);
      }
      n.def_scope = open.back();
      if (u.op() == Op::END || u.op() == Op::ENDIF) {
        ANVIL_CHECK(open.size() > 1) << "llvm: unbalanced blocks at " << u.brief();
        open.pop_back();
      }
    }
  }

  // ---- values ----------------------------------------------------------------------------------
  NodeInfo& info(const UOp& u) { return info_.at(u); }
  std::string slot_name(const NodeInfo& n, const char* kind, size_t k) {
    return "%s" + std::to_string(n.id) + kind + std::to_string(k);
  }

  Val get(const UOp& u) {
    NodeInfo& n = info(u);
    ANVIL_CHECK(n.emitted) << "llvm: " << u.brief() << " is used before it is defined";
    if (!n.slot) return n.ssa;
    Val v;
    const std::string t = u.dtype().is_ptr ? "ptr" : reg_type(u.dtype().scalar);
    for (size_t k = 0; k < n.ssa.lanes.size(); ++k)
      v.lanes.push_back(emit("load " + t + ", ptr " + slot_name(n, ".v", k)));
    for (size_t k = 0; k < n.ssa.gates.size(); ++k) v.gates.push_back(emit("load i1, ptr " + slot_name(n, ".g", k)));
    return v;
  }

  void set(const UOp& u, Val v) {
    NodeInfo& n = info(u);
    if (n.slot) {
      const std::string t = u.dtype().is_ptr ? "ptr" : reg_type(u.dtype().scalar);
      if (!n.emitted) {  // allocas live in the entry block, zeroed: a value from a block that never ran is 0
        for (size_t k = 0; k < v.lanes.size(); ++k) {
          entry_ << "  " << slot_name(n, ".v", k) << " = alloca " << t << "\n";
          entry_ << "  store " << t << " " << zero(t) << ", ptr " << slot_name(n, ".v", k) << "\n";
        }
        for (size_t k = 0; k < v.gates.size(); ++k) {
          entry_ << "  " << slot_name(n, ".g", k) << " = alloca i1\n";
          entry_ << "  store i1 false, ptr " << slot_name(n, ".g", k) << "\n";
        }
      }
      for (size_t k = 0; k < v.lanes.size(); ++k)
        line("store " + t + " " + v.lanes[k] + ", ptr " + slot_name(n, ".v", k));
      for (size_t k = 0; k < v.gates.size(); ++k) line("store i1 " + v.gates[k] + ", ptr " + slot_name(n, ".g", k));
    }
    n.ssa = std::move(v);  // slot nodes keep it for the lane counts only
    n.emitted = true;
  }

  // ---- the program ---------------------------------------------------------------------------
  void exec(const UOp& u) {
    NodeInfo& n = info(u);
    if (is_entry_op(u.op())) {
      if (!n.emitted) {
        std::ostream* saved = out_;
        out_ = &entry_;
        set(u, entry_value(u));
        out_ = saved;
      }
      return;
    }
    switch (u.op()) {
      case Op::SINK:
      case Op::BARRIER: return;  // SINK: the return follows; BARRIER: one thread orders nothing
      case Op::RANGE: return open_range(u);
      case Op::END: return close_range();
      case Op::IF: {
        const std::string c = get(u.src(0)).lanes.at(0);
        const std::string then = new_label("then"), done = new_label("endif");
        line("br i1 " + c + ", label %" + then + ", label %" + done);
        ifs_.push_back(done);
        label(then);
        return;
      }
      case Op::ENDIF: {
        ANVIL_CHECK(!ifs_.empty()) << "llvm: ENDIF without IF";
        const std::string done = ifs_.back();
        ifs_.pop_back();
        line("br label %" + done);
        label(done);
        return;
      }
      case Op::INDEX: return set(u, index(u));
      case Op::LOAD: return set(u, load(u));
      case Op::STORE: return store(u);
      case Op::VECTORIZE: {
        Val v;
        for (const UOp& s : u.src()) v.lanes.push_back(get(s).lanes.at(0));
        return set(u, v);
      }
      case Op::GEP: return set(u, Val{{get(u.src(0)).lanes.at(static_cast<size_t>(u.arg_int()))}, {}});
      case Op::BITCAST: return set(u, bitcast(u));
      case Op::CAST:
        if (u.dtype().is_ptr) return set(u, get(u.src(0)));  // a pointer cast keeps the address
        [[fallthrough]];
      default: break;
    }
    ANVIL_CHECK(in_group(u.op(), opgroup::Alu)) << "llvm: cannot render " << u.brief();
    std::vector<Val> in;
    std::array<Scalar, 3> types{};
    for (size_t j = 0; j < u.src().size(); ++j) {
      in.push_back(get(u.src(j)));
      types[j] = u.src(j).dtype().scalar;
    }
    Val out;
    for (size_t k = 0; k < u.dtype().count; ++k) {
      std::vector<std::string> a;
      for (const Val& v : in) a.push_back(v.lanes.at(v.lanes.size() == 1 ? 0 : k));
      out.lanes.push_back(alu(u.op(), u.dtype().scalar, types, a));
    }
    set(u, out);
  }

  Val entry_value(const UOp& u) {
    const DType dt = u.dtype();
    switch (u.op()) {
      case Op::CONST: {
        const std::string c = constant(dt.scalar, const_value(u));
        return Val{std::vector<std::string>(dt.count, c), {}};
      }
      case Op::DEFINE_GLOBAL: return Val{{"%g" + std::to_string(u.arg_int())}, {}};
      case Op::DEFINE_VAR: {
        size_t k = 0;
        while (k < vars_.size() && vars_[k] != u.arg_var().name) ++k;
        const std::string p = emit("getelementptr i64, ptr %vars, i64 " + std::to_string(k));
        const std::string v = emit("load i64, ptr " + p + ", align 8");
        return Val{{cast(v, Scalar::Int64, dt.scalar)}, {}};
      }
      default: {  // DEFINE_REG / DEFINE_LOCAL: fresh zeroed scratch per run
        const int64_t bytes = dt.ptr_size * itemsize(dt.scalar);
        ANVIL_CHECK(dt.ptr_size >= 0) << "llvm: scratch without a size: " << u.brief();
        std::string p;
        if (bytes > kMaxStackBytes) {
          decls_.insert("declare ptr @calloc(i64, i64)");
          decls_.insert("declare void @free(ptr)");
          p = emit("call ptr @calloc(i64 " + std::to_string(dt.ptr_size) + ", i64 " +
                   std::to_string(itemsize(dt.scalar)) + ")");
          heap_.push_back(p);
        } else {
          p = emit("alloca " + mem_type(dt.scalar) + ", i64 " + std::to_string(std::max<int64_t>(dt.ptr_size, 1)) +
                   ", align 16");
          intrinsic("void", "@llvm.memset.p0.i64", "ptr, i8, i64, i1",
                    "ptr " + p + ", i8 0, i64 " + std::to_string(bytes) + ", i1 false");
        }
        return Val{{p}, {}};
      }
    }
  }

  std::string constant(Scalar s, const Value& v) {
    if (is_float(s)) {
      if (s == Scalar::Float64) {
        uint64_t b;
        std::memcpy(&b, &v.f, sizeof b);
        return emit("bitcast i64 " + std::to_string(static_cast<int64_t>(b)) + " to double");
      }
      const float f = static_cast<float>(v.f);  // float16/bfloat16 values are exact in float
      uint32_t b;
      std::memcpy(&b, &f, sizeof b);
      return emit("bitcast i32 " + std::to_string(static_cast<int32_t>(b)) + " to float");
    }
    return int_literal(s, value_bits(s, v));
  }

  void open_range(const UOp& u) {
    Loop l;
    l.type = reg_type(u.dtype().scalar);
    l.is_signed = !is_unsigned(u.dtype().scalar);
    l.end = cast(get(u.src(0)).lanes.at(0), u.src(0).dtype().scalar, u.dtype().scalar);
    const std::string pre = new_label("pre");
    l.body = new_label("loop");
    l.latch = new_label("latch");
    l.exit = new_label("exit");
    l.next = fresh();
    line("br label %" + pre);
    label(pre);
    const std::string any = emit(std::string("icmp ") + (l.is_signed ? "sgt " : "ugt ") + l.type + " " + l.end + ", 0");
    line("br i1 " + any + ", label %" + l.body + ", label %" + l.exit);
    label(l.body);
    l.phi = emit("phi " + l.type + " [ 0, %" + pre + " ], [ " + l.next + ", %" + l.latch + " ]");
    set(u, Val{{l.phi}, {}});
    loops_.push_back(l);
  }

  void close_range() {
    ANVIL_CHECK(!loops_.empty()) << "llvm: END without RANGE";
    const Loop l = loops_.back();
    loops_.pop_back();
    line("br label %" + l.latch);
    label(l.latch);
    line(l.next + " = add " + l.type + " " + l.phi + ", 1");
    const char* below = ANVIL_MUTANT(24) ? (l.is_signed ? "sle " : "ule ") : (l.is_signed ? "slt " : "ult ");
    const std::string more = emit(std::string("icmp ") + below + l.type + " " + l.next + ", " + l.end);
    line("br i1 " + more + ", label %" + l.body + ", label %" + l.exit);
    label(l.exit);
  }

  Val index(const UOp& u) {
    const Val base = get(u.src(0));
    ANVIL_CHECK(base.lanes.size() == 1 && base.gates.empty())
        << "llvm: INDEX of a gated or vector pointer: " << u.brief();
    const std::string t = mem_type(u.src(0).dtype().scalar);
    const Scalar it = u.src(1).dtype().scalar;
    Val v;
    for (const std::string& i : get(u.src(1)).lanes)
      v.lanes.push_back(emit("getelementptr " + t + ", ptr " + base.lanes[0] + ", i64 " + cast(i, it, Scalar::Int64)));
    if (u.src().size() == 3) v.gates = get(u.src(2)).lanes;
    return v;
  }

  // The address and gate (empty: none) of lane k of an access of `n` lanes through `p`.
  std::pair<std::string, std::string> lane_address(const Val& p, const std::string& t, size_t n, size_t k) {
    std::string addr = p.lanes.at(p.lanes.size() == 1 ? 0 : k);
    if (p.lanes.size() == 1 && n > 1 && k > 0)
      addr = emit("getelementptr " + t + ", ptr " + addr + ", i64 " + std::to_string(k));
    std::string gate = p.gates.empty() ? "" : p.gates.at(p.gates.size() == 1 ? 0 : k);
    return {addr, gate};
  }

  Val load(const UOp& u) {
    const Scalar s = u.dtype().scalar;
    const std::string mt = mem_type(s), rt = reg_type(s), align = std::to_string(itemsize(s));
    const Val p = get(u.src(0));
    const size_t n = u.dtype().count;
    Val alt;
    if (load_value_count(u) == 2) alt = get(u.src(1));
    Val out;
    for (size_t k = 0; k < n; ++k) {
      auto [addr, gate] = lane_address(p, mt, n, k);
      if (gate.empty()) {
        out.lanes.push_back(from_mem(emit("load " + mt + ", ptr " + addr + ", align " + align), s));
        continue;
      }
      // A gated-off lane must not touch memory: branch around the load.
      const std::string other = alt.lanes.empty() ? zero(rt) : alt.lanes.at(alt.lanes.size() == 1 ? 0 : k);
      const std::string from = cur_, yes = new_label("ld"), done = new_label("ldd");
      line("br i1 " + gate + ", label %" + yes + ", label %" + done);
      label(yes);
      const std::string v = from_mem(emit("load " + mt + ", ptr " + addr + ", align " + align), s);
      const std::string from_yes = cur_;
      line("br label %" + done);
      label(done);
      out.lanes.push_back(emit("phi " + rt + " [ " + v + ", %" + from_yes + " ], [ " + other + ", %" + from + " ]"));
    }
    return out;
  }

  void store(const UOp& u) {
    const Scalar s = u.src(1).dtype().scalar;
    const std::string mt = mem_type(s), align = std::to_string(itemsize(s));
    const Val p = get(u.src(0));
    const Val v = get(u.src(1));
    const size_t n = v.lanes.size();
    for (size_t k = 0; k < n; ++k) {
      auto [addr, gate] = lane_address(p, mt, n, k);
      std::string done;
      if (!gate.empty()) {
        const std::string yes = new_label("st");
        done = new_label("std");
        line("br i1 " + gate + ", label %" + yes + ", label %" + done);
        label(yes);
      }
      line("store " + mt + " " + to_mem(v.lanes[k], s) + ", ptr " + addr + ", align " + align);
      if (!gate.empty()) {
        line("br label %" + done);
        label(done);
      }
    }
  }

  // ---- BITCAST ---------------------------------------------------------------------------------
  // BITCAST: lanes concatenated little-endian into one wide integer and cut at the new width.
  Val bitcast(const UOp& u) {
    const Scalar from = u.src(0).dtype().scalar, to = u.dtype().scalar;
    const int wf = bits(from), wt = bits(to);
    const Val in = get(u.src(0));
    Val out;
    if (in.lanes.size() == 1 && u.dtype().count == 1) {
      ANVIL_CHECK(wf == wt) << "llvm: BITCAST between widths: " << u.brief();
      out.lanes.push_back(from_bits(to_bits(in.lanes[0], from), to));
      return out;
    }
    const size_t total = static_cast<size_t>(wf) * in.lanes.size();
    ANVIL_CHECK(total == static_cast<size_t>(wt) * u.dtype().count) << "llvm: BITCAST between widths: " << u.brief();
    const std::string wide = "i" + std::to_string(total);
    std::string acc;
    for (size_t k = 0; k < in.lanes.size(); ++k) {
      std::string z = to_bits(in.lanes[k], from);
      if (static_cast<size_t>(wf) < total) z = emit("zext i" + std::to_string(wf) + " " + z + " to " + wide);
      if (k > 0) z = emit("shl " + wide + " " + z + ", " + std::to_string(k * static_cast<size_t>(wf)));
      acc = k == 0 ? z : emit("or " + wide + " " + acc + ", " + z);
    }
    for (size_t j = 0; j < u.dtype().count; ++j) {
      const std::string sh =
          j == 0 ? acc : emit("lshr " + wide + " " + acc + ", " + std::to_string(j * static_cast<size_t>(wt)));
      const std::string lane =
          static_cast<size_t>(wt) < total ? emit("trunc " + wide + " " + sh + " to i" + std::to_string(wt)) : sh;
      out.lanes.push_back(from_bits(lane, to));
    }
    return out;
  }

  std::span<const UOp> prog_;
  std::string fn_;
  std::vector<std::string> vars_;
  std::unordered_map<UOp, NodeInfo, UOpHash> info_;
  std::vector<int> scope_parent_;
  int64_t globals_ = 0;  // DEFINE_GLOBAL slots: the body's buffer arguments
  std::ostringstream entry_, body_;
  std::vector<Loop> loops_;
  std::vector<std::string> ifs_;
  std::vector<std::string> heap_;
};

}  // namespace

std::string render(std::span<const UOp> program, const std::string& fn_name) {
  return Renderer(program, fn_name).run();
}

}  // namespace anvil::llvmbe
