// A linear program as a C function. Each value node is a C variable per lane ("v12", or
// "v12_0".."v12_3" for a vector); constants are inlined; RANGE ... END is a for loop and IF ...
// ENDIF an if block. A node that occurs more than once (each occurrence runs again, program.h) or is
// used outside the block it is computed in is declared at the top, zeroed (a use of a value from a
// block that never ran is poison: any value, never UB), and assigned where it occurs.
#include "engine/runtime/c/render_c.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "engine/runtime/backend.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil {
namespace {

constexpr int64_t kStackScratchBytes = 64 * 1024;  // larger DEFINE_LOCAL/DEFINE_REG go to the heap

// An address: a pointer variable, element offsets (none: 0; one: lanes consecutive from it; else
// one per lane) and gates (none, one, or one per lane).
struct Addr {
  std::string ptr;
  Scalar elem = Scalar::Void;
  std::vector<std::string> offsets;
  std::vector<std::string> gates;
};

struct Slot {
  int occurrences = 0;
  size_t first = 0;          // position of the first occurrence
  bool hoisted = false;      // declared at the top (see the file comment)
  std::vector<size_t> uses;  // positions that read it (through INDEX too)
  Addr addr;                 // pointer nodes
};

// LOAD(INDEX[, alternative][, void deps...]): the deps only order it.
size_t load_value_count(const UOp& u) {
  size_t n = u.src().size();
  while (n > 1 && u.src(n - 1).dtype().scalar == Scalar::Void) --n;
  return n;
}

bool is_value(const UOp& u) { return !u.dtype().is_ptr && u.dtype().scalar != Scalar::Void; }

class CRenderer {
 public:
  CRenderer(std::span<const UOp> program, const std::string& fn_name) : prog_(program), fn_name_(fn_name) {}

  std::string run() {
    analyze();
    out_ << "__attribute__((visibility(\"default\"))) void " << fn_name_
         << "(void* const* restrict buffers, const int64_t* restrict vars) {\n";
    declare_top();
    depth_ = 1;
    for (size_t pc = 0; pc < prog_.size() && prog_[pc].op() != Op::SINK; ++pc) emit(pc);
    for (const std::string& s : heap_scratch_) out_ << "  free(" << s << ");\n";
    out_ << "}\n";
    const std::string function = out_.str();
    return c_prelude_for(function, fn_name_) + function;  // only the helpers it calls: less for cc to parse
  }

 private:
  size_t slot_index(const UOp& u) const {
    const auto it = id_.find(u);
    ANVIL_CHECK(it != id_.end()) << "c: a source is used before it is defined: " << u.brief();
    return it->second;
  }
  Slot& slot(const UOp& u) { return slots_[slot_index(u)]; }

  void analyze();
  void record_use(const UOp& s, size_t pos);
  bool is_within(int64_t inner, int64_t outer) const;
  void declare_top();
  void emit(size_t pc);
  void emit_index(const UOp& u);
  void emit_load(const UOp& u);
  void emit_store(const UOp& u);
  void emit_value(const UOp& u, const std::vector<std::string>& lanes);
  std::vector<std::string> bitcast_lanes(const UOp& u);

  std::string var(const UOp& u, size_t lane) const {
    const std::string base = "v" + std::to_string(id_.at(u));
    return u.dtype().count == 1 ? base : base + "_" + std::to_string(lane);
  }
  // Lane k of a value source as a C expression: a literal for constants, else its variable.
  std::string lane(const UOp& s, size_t k) const {
    if (s.op() == Op::CONST) return c_literal(s.dtype().scalar, const_value(s));
    return var(s, s.dtype().count == 1 ? 0 : k);
  }
  std::string indent() const { return std::string(static_cast<size_t>(2 * depth_), ' '); }
  std::string lane_offset(const Addr& a, size_t k) const;
  std::string lane_gate(const Addr& a, size_t k) const;

  std::span<const UOp> prog_;
  std::string fn_name_;
  std::unordered_map<UOp, size_t, UOpHash> id_;
  std::vector<Slot> slots_;
  std::vector<int64_t> block_at_;      // per position: the innermost open block (-1: the function body)
  std::vector<int64_t> block_parent_;  // per block
  std::vector<std::string> heap_scratch_;
  std::ostringstream out_;
  int depth_ = 0;
};

void CRenderer::record_use(const UOp& s, size_t pos) {
  Slot& sl = slot(s);
  sl.uses.push_back(pos);
  if (s.op() == Op::INDEX || (s.op() == Op::CAST && s.dtype().is_ptr))  // the address is computed where it is used
    for (const UOp& t : s.src()) record_use(t, pos);
}

bool CRenderer::is_within(int64_t inner, int64_t outer) const {
  for (int64_t b = inner; b != -1; b = block_parent_[static_cast<size_t>(b)])
    if (b == outer) return true;
  return outer == -1;
}

void CRenderer::analyze() {
  std::vector<int64_t> open;
  block_at_.resize(prog_.size());
  for (size_t i = 0; i < prog_.size(); ++i) {
    const UOp& u = prog_[i];
    if (u.op() == Op::END || u.op() == Op::ENDIF) {
      ANVIL_CHECK(!open.empty()) << "c: " << u.brief() << " closes no block";
      open.pop_back();
    }
    block_at_[i] = open.empty() ? -1 : open.back();
    for (const UOp& s : u.src()) record_use(s, i);
    auto [it, first] = id_.emplace(u, slots_.size());
    if (first) slots_.push_back(Slot{0, i, false, {}, {}});
    ++slots_[it->second].occurrences;
    if (u.op() == Op::RANGE || u.op() == Op::IF) {
      block_parent_.push_back(open.empty() ? -1 : open.back());
      open.push_back(static_cast<int64_t>(block_parent_.size() - 1));
    }
  }
  for (size_t i = 0; i < prog_.size(); ++i) {
    const UOp& u = prog_[i];
    Slot& sl = slot(u);
    if (sl.first != i || !is_value(u) || u.op() == Op::CONST || u.op() == Op::DEFINE_VAR || u.op() == Op::RANGE)
      continue;
    sl.hoisted = sl.occurrences > 1 || std::any_of(sl.uses.begin(), sl.uses.end(),
                                                   [&](size_t q) { return !is_within(block_at_[q], block_at_[i]); });
  }
}

void CRenderer::declare_top() {
  std::vector<std::string> var_order = var_names(prog_);
  // A buffer may be restrict only if one node names its slot (realize passes distinct outputs).
  std::map<int64_t, int> globals_per_slot;
  for (const auto& [u, s] : id_)
    if (u.op() == Op::DEFINE_GLOBAL) ++globals_per_slot[u.arg_int()];
  for (size_t i = 0; i < prog_.size(); ++i) {
    const UOp& u = prog_[i];
    Slot& sl = slot(u);
    if (sl.first != i) continue;
    const DType dt = u.dtype();
    const std::string name = "v" + std::to_string(slot_index(u));
    if (u.op() == Op::DEFINE_GLOBAL) {
      const std::string st = c_storage_type(dt.scalar);
      const char* restrict_kw = globals_per_slot[u.arg_int()] == 1 ? "* restrict " : "* ";
      out_ << "  " << st << restrict_kw << name << " = (" << st << "*)buffers[" << u.arg_int() << "];\n";
      sl.addr = Addr{name, dt.scalar, {}, {}};
    } else if (u.op() == Op::DEFINE_REG || u.op() == Op::DEFINE_LOCAL) {
      const std::string st = c_storage_type(dt.scalar);
      const int64_t n = std::max<int64_t>(dt.ptr_size, 1);
      if (n * itemsize(dt.scalar) <= kStackScratchBytes) {
        out_ << "  " << st << " " << name << "[" << n << "] = {0};\n";
      } else {
        out_ << "  " << st << "* " << name << " = (" << st << "*)calloc(" << n << ", sizeof(" << st << "));\n";
        out_ << "  if (!" << name << ") abort();\n";
        heap_scratch_.push_back(name);
      }
      sl.addr = Addr{name, dt.scalar, {}, {}};
    } else if (u.op() == Op::DEFINE_VAR) {
      const auto k = std::find(var_order.begin(), var_order.end(), u.arg_var().name) - var_order.begin();
      out_ << "  const " << c_value_type(dt.scalar) << " " << name << " = "
           << c_cast(dt.scalar, Scalar::Int64, "vars[" + std::to_string(k) + "]") << ";\n";
    } else if (sl.hoisted) {
      for (size_t k = 0; k < dt.count; ++k) out_ << "  " << c_value_type(dt.scalar) << " " << var(u, k) << " = 0;\n";
    }
  }
}

void CRenderer::emit(size_t pc) {
  const UOp& u = prog_[pc];
  switch (u.op()) {
    case Op::CONST:
    case Op::DEFINE_VAR:
    case Op::DEFINE_GLOBAL:
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG: return;  // inlined, or declared at the top
    case Op::BARRIER: out_ << indent() << "/* barrier: one thread */\n"; return;
    case Op::RANGE: {
      const std::string t = c_value_type(u.dtype().scalar), v = var(u, 0);
      const char* below = ANVIL_MUTANT(18) ? " <= " : " < ";
      out_ << indent() << "for (" << t << " " << v << " = 0; " << v << below << lane(u.src(0), 0) << "; ++" << v
           << ") {\n";
      ++depth_;
      return;
    }
    case Op::IF:
      out_ << indent() << "if (" << lane(u.src(0), 0) << ") {\n";
      ++depth_;
      return;
    case Op::END:
    case Op::ENDIF:
      --depth_;
      out_ << indent() << "}\n";
      return;
    case Op::INDEX: emit_index(u); return;
    case Op::LOAD: emit_load(u); return;
    case Op::STORE: emit_store(u); return;
    case Op::SPECIAL: ANVIL_CHECK(false) << "c: SPECIAL (a GPU index) has no meaning on the host"; return;
    case Op::VECTORIZE: {
      std::vector<std::string> lanes;
      for (const UOp& s : u.src()) lanes.push_back(lane(s, 0));
      emit_value(u, lanes);
      return;
    }
    case Op::GEP: emit_value(u, {lane(u.src(0), static_cast<size_t>(u.arg_int()))}); return;
    default: break;
  }
  if (u.op() == Op::CAST && u.dtype().is_ptr) {  // a pointer cast keeps the address
    slot(u).addr = slot(u.src(0)).addr;
    return;
  }
  ANVIL_CHECK(in_group(u.op(), opgroup::Alu) || u.op() == Op::BITCAST)
      << "c: not an op of a linear program: " << u.brief();
  const DType dt = u.dtype();
  if (u.op() == Op::BITCAST && (dt.count != 1 || u.src(0).dtype().count != 1)) {
    emit_value(u, bitcast_lanes(u));
    return;
  }
  std::vector<Scalar> types;
  for (const UOp& s : u.src()) types.push_back(s.dtype().scalar);
  std::vector<std::string> lanes;
  for (size_t k = 0; k < dt.count; ++k) {
    std::vector<std::string> in;
    for (const UOp& s : u.src()) in.push_back(lane(s, k));
    lanes.push_back(c_alu(u.op(), dt.scalar, types, in));
  }
  emit_value(u, lanes);
}

void CRenderer::emit_value(const UOp& u, const std::vector<std::string>& lanes) {
  const bool hoisted = slot(u).hoisted;
  const std::string t = c_value_type(u.dtype().scalar);
  for (size_t k = 0; k < lanes.size(); ++k)
    out_ << indent() << (hoisted ? "" : "const " + t + " ") << var(u, k) << " = " << lanes[k] << ";\n";
}

void CRenderer::emit_index(const UOp& u) {
  const Addr& base = slot(u.src(0)).addr;
  ANVIL_CHECK(!base.ptr.empty() && base.offsets.size() <= 1 && base.gates.empty())
      << "c: INDEX needs a plain pointer: " << u.brief();
  Addr a{base.ptr, base.elem, {}, {}};
  const UOp& idx = u.src(1);
  for (size_t k = 0; k < idx.dtype().count; ++k) {
    std::string off = "(int64_t)" + lane(idx, k);
    if (!base.offsets.empty()) off = "(" + base.offsets[0] + " + " + off + ")";
    a.offsets.push_back(off);
  }
  if (u.src().size() == 3)
    for (size_t k = 0; k < u.src(2).dtype().count; ++k) a.gates.push_back(lane(u.src(2), k));
  slot(u).addr = a;
}

std::string CRenderer::lane_offset(const Addr& a, size_t k) const {
  if (a.offsets.empty()) return std::to_string(k);
  if (a.offsets.size() == 1) return k == 0 ? a.offsets[0] : "(" + a.offsets[0] + " + " + std::to_string(k) + ")";
  return a.offsets[k];
}

std::string CRenderer::lane_gate(const Addr& a, size_t k) const {
  if (a.gates.empty()) return "";
  return a.gates.size() == 1 ? a.gates[0] : a.gates[k];
}

void CRenderer::emit_load(const UOp& u) {
  const Addr& a = slot(u.src(0)).addr;
  ANVIL_CHECK(!a.ptr.empty()) << "c: LOAD through a pointer with no address: " << u.brief();
  const bool has_alt = load_value_count(u) == 2;
  std::vector<std::string> lanes;
  for (size_t k = 0; k < u.dtype().count; ++k) {
    std::string e = c_from_storage(a.elem, a.ptr + "[" + lane_offset(a, k) + "]");
    const std::string gate = lane_gate(a, k);
    // A gated-off lane never touches memory: the alternative, or 0 for poison.
    if (!gate.empty()) e = "(" + gate + " ? " + e + " : " + (has_alt ? lane(u.src(1), k) : "0") + ")";
    lanes.push_back(e);
  }
  emit_value(u, lanes);
}

void CRenderer::emit_store(const UOp& u) {
  const Addr& a = slot(u.src(0)).addr;
  ANVIL_CHECK(!a.ptr.empty()) << "c: STORE through a pointer with no address: " << u.brief();
  const UOp& v = u.src(1);
  for (size_t k = 0; k < v.dtype().count; ++k) {
    const std::string gate = lane_gate(a, k);
    out_ << indent() << (gate.empty() ? "" : "if (" + gate + ") ") << a.ptr << "[" << lane_offset(a, k)
         << "] = " << c_to_storage(a.elem, lane(v, k)) << ";\n";
  }
}

// A BITCAST that regroups lanes (int8x4 <-> int32): output lane k is bytes [k*os, (k+1)*os) of the
// sources' little-endian bytes, assembled from whole chunks of one source lane at a time.
std::vector<std::string> CRenderer::bitcast_lanes(const UOp& u) {
  const DType to = u.dtype(), from = u.src(0).dtype();
  ANVIL_CHECK(itemsize(to) == itemsize(from)) << "c: BITCAST between different widths: " << u.brief();
  const int is = itemsize(from.scalar), os = itemsize(to.scalar);
  std::vector<std::string> out;
  for (int k = 0; k < to.count; ++k) {
    std::string bits = "0";
    for (int b = k * os; b < (k + 1) * os;) {
      const int j = b / is, bj = b % is, len = std::min(is - bj, (k + 1) * os - b);
      const std::string mask = len == 8 ? "~0ULL" : "((1ULL << " + std::to_string(8 * len) + ") - 1)";
      bits += " | (((" + c_to_bits(from.scalar, lane(u.src(0), static_cast<size_t>(j))) + " >> " +
              std::to_string(8 * bj) + ") & " + mask + ") << " + std::to_string(8 * (b - k * os)) + ")";
      b += len;
    }
    out.push_back(c_from_bits(to.scalar, "(uint64_t)(" + bits + ")"));
  }
  return out;
}

}  // namespace

std::string render_c(std::span<const UOp> program, const std::string& fn_name) {
  return CRenderer(program, fn_name).run();
}

}  // namespace anvil
