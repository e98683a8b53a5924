// A linear program as a C-family function (render_c_family.h). A node that occurs more than once
// (each occurrence runs again, program.h) or is used outside the block it is computed in is declared
// at the top, zeroed (a use of a value from a block that never ran is poison: any value, never UB),
// and assigned where it occurs.
#include "engine/runtime/c/render_c_family.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/codegen/opt.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/c/render_c.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

// A parallel loop's threads each hold their own scratch; beyond this much the program runs in one
// thread instead (PoCL keeps the private arrays of a work-group's items side by side).
constexpr int64_t kParallelScratchBytes = 16 * 1024;
constexpr int64_t kMaxBlockThreads = 1024;      // CUDA's and most OpenCL devices' largest block
constexpr int64_t kMaxSharedBytes = 48 * 1024;  // local memory every CUDA device and PoCL give a block
constexpr int64_t kMaxFlatExtent = int64_t{1} << 62;

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

// The buffer node under a chain of INDEX and pointer CASTs.
UOp pointer_root(UOp p) {
  while (p.op() == Op::INDEX || p.op() == Op::CAST) p = UOp(p.src(0));
  return p;
}

bool depends_on(const UOp& u, const UOp& r) {
  const std::vector<UOp> all = u.toposort();
  return std::find(all.begin(), all.end(), r) != all.end();
}

class Renderer {
 public:
  Renderer(std::span<const UOp> program, const std::string& entry, const CFamilyDialect& dialect)
      : prog_(program),
        entry_(entry),
        d_(dialect),
        who_(std::string(dialect.backend()) + ": "),
        map_(dialect.mapping()),
        sp_(dialect.threaded()),
        blocks_(map_ && sp_ && map_->blocks),
        warps_(map_ && sp_ && map_->warps) {}

  std::string run() {
    analyze();
    int64_t num_slots = 0;
    for (const UOp& u : prog_)
      if (u.op() == Op::DEFINE_GLOBAL) num_slots = std::max(num_slots, u.arg_int() + 1);
    out_ << d_.signature(entry_, num_slots);
    declare_top();
    depth_ = 1;
    for (size_t pc = 0; pc < prog_.size() && prog_[pc].op() != Op::SINK; ++pc) {
      if (warps_ && pc == map_->tile.m) {
        pc = emit_mma();  // the tile's loops, through the END of its outermost
        continue;
      }
      emit(pc);
    }
    for (const std::string& line : cleanup_) out_ << line;
    out_ << "}\n";
    return d_.finish(out_.str(), entry_);
  }

 private:
  size_t slot_index(const UOp& u) const {
    const auto it = id_.find(u);
    ANVIL_CHECK(it != id_.end()) << who_ << "a source is used before it is defined: " << u.brief();
    return it->second;
  }
  Slot& slot(const UOp& u) { return slots_[slot_index(u)]; }

  void analyze();
  void record_use(const UOp& s, size_t pos);
  bool is_within(int64_t inner, int64_t outer) const;
  void declare_top();
  void emit(size_t pc);
  void emit_range(size_t pc);
  void emit_end(size_t pc);
  void emit_alu(const UOp& u);
  void emit_index(const UOp& u);
  void emit_load(const UOp& u);
  void emit_store(const UOp& u, size_t pc);
  std::vector<VectorPiece> vector_pieces_of(const UOp& access, size_t lanes) const;
  void emit_value(const UOp& u, const std::vector<std::string>& lanes);
  std::vector<std::string> bitcast_lanes(const UOp& u);
  size_t emit_mma();
  void emit_stage(const UOp& x, const UOp& y);
  struct StageLayout stage_of(const UOp& v) const;
  std::string staged_pair(const UOp& v, const std::string& row, const std::string& k) const;
  std::string staged_warps(const std::string& index_type) const;
  using Subst = std::unordered_map<UOp, std::string, UOpHash>;
  std::string expr(const UOp& u, const Subst& subst);

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
  static std::string lane_offset(const Addr& a, size_t k);
  static std::string lane_gate(const Addr& a, size_t k);

  std::span<const UOp> prog_;
  std::string entry_;
  const CFamilyDialect& d_;
  std::string who_;  // "c: ", the prefix of error messages
  std::unordered_map<UOp, size_t, UOpHash> id_;
  std::vector<Slot> slots_;
  std::vector<int64_t> block_at_;      // per position: the innermost open block (-1: the function body)
  std::vector<int64_t> block_parent_;  // per block
  std::vector<size_t> block_pos_;      // per block: its RANGE or IF
  const ThreadLoop* map_;              // the dialect's thread mapping, if any
  const ThreadedSpelling* sp_;
  bool blocks_;                                  // Blocks mode (render_c_family.h)
  bool warps_;                                   // Warps mode
  std::vector<bool> shared_work_;                // per position: inside a lane loop (Blocks)
  std::vector<bool> holds_lanes_;                // per position: a RANGE with a lane loop inside (Blocks)
  std::map<size_t, std::vector<UOp>> combined_;  // combine loop -> the accumulators it stores (Blocks)
  std::vector<std::string> cleanup_;
  std::ostringstream out_;
  int depth_ = 0;
};

void Renderer::record_use(const UOp& s, size_t pos) {
  Slot& sl = slot(s);
  sl.uses.push_back(pos);
  if (s.op() == Op::INDEX || (s.op() == Op::CAST && s.dtype().is_ptr))  // the address is computed where it is used
    for (const UOp& t : s.src()) record_use(t, pos);
}

bool Renderer::is_within(int64_t inner, int64_t outer) const {
  for (int64_t b = inner; b != -1; b = block_parent_[static_cast<size_t>(b)])
    if (b == outer) return true;
  return outer == -1;
}

void Renderer::analyze() {
  std::vector<int64_t> open;
  block_at_.resize(prog_.size());
  for (size_t i = 0; i < prog_.size(); ++i) {
    const UOp& u = prog_[i];
    if (u.op() == Op::END || u.op() == Op::ENDIF) {
      ANVIL_CHECK(!open.empty()) << who_ << u.brief() << " closes no block";
      open.pop_back();
    }
    block_at_[i] = open.empty() ? -1 : open.back();
    for (const UOp& s : u.src()) record_use(s, i);
    auto [it, first] = id_.emplace(u, slots_.size());
    if (first) slots_.push_back(Slot{0, i, false, {}, {}});
    ++slots_[it->second].occurrences;
    if (u.op() == Op::RANGE || u.op() == Op::IF) {
      block_parent_.push_back(open.empty() ? -1 : open.back());
      block_pos_.push_back(i);
      open.push_back(static_cast<int64_t>(block_parent_.size() - 1));
    }
  }
  shared_work_.assign(prog_.size(), false);
  holds_lanes_.assign(prog_.size(), false);
  if (blocks_)
    for (size_t q : map_->combine_loops) {
      std::vector<UOp>& regs = combined_[q];
      for (size_t i = q + 1; i < prog_.size() && !(prog_[i].op() == Op::END && prog_[i].src(0) == prog_[q]); ++i)
        if (prog_[i].op() == Op::STORE &&
            std::find(regs.begin(), regs.end(), pointer_root(prog_[i].src(0))) == regs.end())
          regs.push_back(pointer_root(prog_[i].src(0)));
    }
  if (blocks_) {
    auto listed = [](const std::vector<size_t>& v, size_t p) { return std::find(v.begin(), v.end(), p) != v.end(); };
    for (size_t i = 0; i < prog_.size(); ++i)
      for (int64_t b = block_at_[i]; b != -1; b = block_parent_[static_cast<size_t>(b)]) {
        const size_t p = block_pos_[static_cast<size_t>(b)];
        if (listed(map_->lane_loops, p)) shared_work_[i] = true;
        if (listed(map_->lane_loops, i) && p != i) holds_lanes_[p] = true;
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

void Renderer::declare_top() {
  const std::vector<std::string> var_order = var_names(prog_);
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
      out_ << d_.buffer_line(name, c_storage_type(dt.scalar), u.arg_int(), globals_per_slot[u.arg_int()] == 1);
      sl.addr = Addr{name, dt.scalar, {}, {}};
    } else if (u.op() == Op::DEFINE_LOCAL && blocks_) {  // the block's shared memory; every lane writes before it reads
      out_ << "  " << sp_->shared << c_storage_type(dt.scalar) << " " << name << "["
           << std::max<int64_t>(dt.ptr_size, 1) << "];\n";
      sl.addr = Addr{name, dt.scalar, {}, {}};
    } else if (u.op() == Op::DEFINE_REG || u.op() == Op::DEFINE_LOCAL) {
      const int64_t n = std::max<int64_t>(dt.ptr_size, 1);
      out_ << d_.scratch_lines(name, c_storage_type(dt.scalar), n, n * itemsize(dt.scalar), cleanup_);
      sl.addr = Addr{name, dt.scalar, {}, {}};
      for (const auto& [q, regs] : combined_)
        if (std::find(regs.begin(), regs.end(), u) != regs.end()) {  // thread 0's result, for the others
          ANVIL_CHECK(n == 1) << who_ << "a combined accumulator of " << n << " elements: " << u.brief();
          out_ << "  " << sp_->shared << c_storage_type(dt.scalar) << " " << name << "_all;\n";
          break;
        }
    } else if (u.op() == Op::DEFINE_VAR) {
      const auto k = std::find(var_order.begin(), var_order.end(), u.arg_var().name) - var_order.begin();
      out_ << "  const " << c_value_type(dt.scalar) << " " << name << " = "
           << c_cast(dt.scalar, Scalar::Int64, "vars[" + std::to_string(k) + "]") << ";\n";
    } else if (sl.hoisted) {
      for (size_t k = 0; k < dt.count; ++k) out_ << "  " << c_value_type(dt.scalar) << " " << var(u, k) << " = 0;\n";
    }
  }
}

void Renderer::emit(size_t pc) {
  const UOp& u = prog_[pc];
  switch (u.op()) {
    case Op::CONST:
    case Op::DEFINE_VAR:
    case Op::DEFINE_GLOBAL:
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG: return;  // inlined, or declared at the top
    case Op::BARRIER: out_ << indent() << (blocks_ ? std::string(sp_->sync) + "\n" : d_.barrier()); return;
    case Op::RANGE: emit_range(pc); return;
    case Op::IF:
      out_ << indent() << "if (" << lane(u.src(0), 0) << ") {\n";
      ++depth_;
      return;
    case Op::END: emit_end(pc); return;
    case Op::ENDIF:
      --depth_;
      out_ << indent() << "}\n";
      return;
    case Op::INDEX: emit_index(u); return;
    case Op::LOAD: emit_load(u); return;
    case Op::STORE: emit_store(u, pc); return;
    case Op::SPECIAL: ANVIL_CHECK(false) << who_ << "SPECIAL (a GPU index) is not rendered: " << u.brief(); return;
    case Op::VECTORIZE: {
      std::vector<std::string> lanes;
      for (const UOp& s : u.src()) lanes.push_back(lane(s, 0));
      emit_value(u, lanes);
      return;
    }
    case Op::GEP: emit_value(u, {lane(u.src(0), static_cast<size_t>(u.arg_int()))}); return;
    default: emit_alu(u); return;
  }
}

void Renderer::emit_range(size_t pc) {
  const UOp& u = prog_[pc];
  const std::string t = c_value_type(u.dtype().scalar), v = var(u, 0), n = lane(u.src(0), 0);
  const auto at = map_ ? std::find(map_->nest.begin(), map_->nest.end(), pc) : std::vector<size_t>::const_iterator();
  if (map_ && at != map_->nest.end()) {
    // The nest's loops are one flat index: the outermost opens its loop (or block), each declares its part.
    ANVIL_CHECK(sp_) << who_ << "a thread mapping without a threaded spelling";
    const size_t k = static_cast<size_t>(at - map_->nest.begin());
    // Not anvil_*: c_prelude_for takes anvil_ names for helpers (and an unknown one for all of them).
    const std::string it(sp_->index_type), idx = blocks_ ? "block_iter" : warps_ ? "warp_iter" : "thread_iter";
    if (k == 0 && warps_ && map_->tile.staged) {
      out_ << indent() << staged_warps(it);
    } else if (k == 0) {
      std::string id(blocks_ ? sp_->group_id : sp_->global_id);
      std::string stride(blocks_ ? sp_->group_stride : sp_->global_stride);
      if (warps_) id = "(" + id + ") / 32", stride = "(" + stride + ") / 32";  // every thread of a warp alike
      if (stride.empty())
        out_ << indent() << "{\n" << indent() << "  const " << it << " " << idx << " = (" << it << ")(" << id << ");\n";
      else
        out_ << indent() << "for (" << it << " " << idx << " = (" << it << ")(" << id << "); " << idx << " < (" << it
             << ")" << map_->extent << "; " << idx << " += (" << it << ")(" << stride << ")) {\n";
    } else {
      out_ << indent() << "{\n";
    }
    int64_t inner = 1;
    for (size_t j = k + 1; j < map_->sizes.size(); ++j) inner *= map_->sizes[j];
    std::string e = idx;
    if (inner != 1) e = "(" + e + " / " + std::to_string(inner) + ")";
    if (k != 0) e = "(" + e + " % " + std::to_string(map_->sizes[k]) + ")";
    out_ << indent() << "  const " << t << " " << v << " = (" << t << ")" << e << ";\n";
  } else if (blocks_ && std::find(map_->lane_loops.begin(), map_->lane_loops.end(), pc) != map_->lane_loops.end()) {
    // A lane loop, spread over the block's threads: each iteration runs once, in whichever thread.
    out_ << indent() << "for (" << t << " " << v << " = (" << t << ")(" << sp_->local_id << "); " << v << " < " << n
         << "; " << v << " += (" << t << ")(" << sp_->local_size << ")) {\n";
  } else {
    if (combined_.count(pc)) {  // the fold runs in thread 0 alone (emit_end shares its result)
      out_ << indent() << "if (" << sp_->local_id << " == 0) {\n";
      ++depth_;
    }
    const char* below = ANVIL_MUTANT(18) ? " <= " : " < ";
    out_ << indent() << "for (" << t << " " << v << " = 0; " << v << below << n << "; ++" << v << ") {\n";
  }
  ++depth_;
}

void Renderer::emit_end(size_t pc) {
  const size_t range = slots_[slot_index(prog_[pc].src(0))].first;
  // A loop around lanes: no thread starts the next iteration (and overwrites local memory) before
  // every thread is done with this one. The nest's outer loops need none: their iterations are blocks.
  const bool outer_nest = map_ && map_->parallel &&
                          std::find(map_->nest.begin(), map_->nest.end(), range) != map_->nest.end() &&
                          range != map_->nest.back();
  if (blocks_ && holds_lanes_[range] && !outer_nest) out_ << indent() << sp_->sync << "\n";
  --depth_;
  out_ << indent() << "}\n";
  if (const auto c = combined_.find(range); c != combined_.end()) {
    --depth_;
    out_ << indent() << "}\n";
    for (const UOp& reg : c->second) {
      const std::string r = slot(reg).addr.ptr;
      out_ << indent() << "if (" << sp_->local_id << " == 0) " << r << "_all = " << r << "[0];\n";
    }
    out_ << indent() << sp_->sync << "\n";
    for (const UOp& reg : c->second) {
      const std::string r = slot(reg).addr.ptr;
      out_ << indent() << r << "[0] = " << r << "_all;\n";
    }
  }
}

void Renderer::emit_alu(const UOp& u) {
  if (u.op() == Op::CAST && u.dtype().is_ptr) {  // a pointer cast keeps the address
    slot(u).addr = slot(u.src(0)).addr;
    return;
  }
  ANVIL_CHECK(in_group(u.op(), opgroup::Alu) || u.op() == Op::BITCAST)
      << who_ << "not an op of a linear program: " << u.brief();
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

void Renderer::emit_value(const UOp& u, const std::vector<std::string>& lanes) {
  const bool hoisted = slot(u).hoisted;
  const std::string t = c_value_type(u.dtype().scalar);
  for (size_t k = 0; k < lanes.size(); ++k)
    out_ << indent() << (hoisted ? "" : "const " + t + " ") << var(u, k) << " = " << lanes[k] << ";\n";
}

void Renderer::emit_index(const UOp& u) {
  const Addr& base = slot(u.src(0)).addr;
  ANVIL_CHECK(!base.ptr.empty() && base.offsets.size() <= 1 && base.gates.empty())
      << who_ << "INDEX needs a plain pointer: " << u.brief();
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

std::string Renderer::lane_offset(const Addr& a, size_t k) {
  if (a.offsets.empty()) return std::to_string(k);
  if (a.offsets.size() == 1) return k == 0 ? a.offsets[0] : "(" + a.offsets[0] + " + " + std::to_string(k) + ")";
  return a.offsets[k];
}

std::string Renderer::lane_gate(const Addr& a, size_t k) {
  if (a.gates.empty()) return "";
  return a.gates.size() == 1 ? a.gates[0] : a.gates[k];
}

// An ungated access of consecutive elements of a global buffer, as the dialect's vector accesses (none: lane by lane).
std::vector<VectorPiece> Renderer::vector_pieces_of(const UOp& access, size_t lanes) const {
  const Addr& a = slots_[slot_index(access.src(0))].addr;
  if (!sp_ || a.offsets.size() != 1 || !a.gates.empty() || pointer_root(access.src(0)).op() != Op::DEFINE_GLOBAL)
    return {};
  return vector_pieces(sp_->vector_memory, a.elem, lanes, offset_multiple(access.src(0)));
}

void Renderer::emit_load(const UOp& u) {
  const Addr& a = slot(u.src(0)).addr;
  ANVIL_CHECK(!a.ptr.empty()) << who_ << "LOAD through a pointer with no address: " << u.brief();
  if (const std::vector<VectorPiece> pieces = vector_pieces_of(u, u.dtype().count); !pieces.empty()) {
    std::vector<std::string> lanes;
    for (const VectorPiece& p : pieces) {
      const std::string tmp = var(u, p.first) + "_vec";
      out_ << indent() << vector_load_line(sp_->vector_memory, a.elem, p.lanes, tmp, a.ptr, lane_offset(a, p.first));
      for (size_t j = 0; j < p.lanes; ++j)
        lanes.push_back(c_from_storage(a.elem, vector_lane(sp_->vector_memory, tmp, j)));
    }
    emit_value(u, lanes);
    return;
  }
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

void Renderer::emit_store(const UOp& u, size_t pc) {
  const Addr& a = slot(u.src(0)).addr;
  ANVIL_CHECK(!a.ptr.empty()) << who_ << "STORE through a pointer with no address: " << u.brief();
  const UOp& v = u.src(1);
  // Blocks: a global store outside the lane loops is thread 0's (every thread has the value).
  const bool first_thread = blocks_ && !shared_work_[pc] && pointer_root(u.src(0)).op() == Op::DEFINE_GLOBAL;
  if (const std::vector<VectorPiece> pieces = vector_pieces_of(u, v.dtype().count); !first_thread && !pieces.empty()) {
    for (const VectorPiece& p : pieces) {
      std::vector<std::string> values;
      for (size_t j = 0; j < p.lanes; ++j) values.push_back(c_to_storage(a.elem, lane(v, p.first + j)));
      out_ << indent() << vector_store_statement(sp_->vector_memory, a.elem, values, a.ptr, lane_offset(a, p.first));
    }
    return;
  }
  for (size_t k = 0; k < v.dtype().count; ++k) {
    const std::string gate = lane_gate(a, k);
    out_ << indent() << (first_thread ? "if (" + std::string(sp_->local_id) + " == 0) " : "")
         << (gate.empty() ? "" : "if (" + gate + ") ") << a.ptr << "[" << lane_offset(a, k)
         << "] = " << c_to_storage(a.elem, lane(v, k)) << ";\n";
  }
}

// `u` as one C expression, with the nodes in `subst` replaced by their text: constants, vars and
// loops by their names, loads of globals read in place, ALU ops as c_alu spells them. For Warps
// mode, which evaluates the program's index and value expressions at the tile's elements.
std::string Renderer::expr(const UOp& u, const Subst& subst) {
  if (const auto it = subst.find(u); it != subst.end()) return it->second;
  switch (u.op()) {
    case Op::CONST:
    case Op::DEFINE_VAR:
    case Op::RANGE: return lane(u, 0);
    case Op::LOAD: {
      const UOp& ix = u.src(0);
      const Addr& a = slot(ix.src(0)).addr;
      ANVIL_CHECK(ix.op() == Op::INDEX && ix.src().size() == 2 && !a.ptr.empty())
          << who_ << "a tile expression loads through " << ix.brief();
      return c_from_storage(a.elem, a.ptr + "[(int64_t)(" + expr(ix.src(1), subst) + ")]");
    }
    default: {
      ANVIL_CHECK(in_group(u.op(), opgroup::Alu) && u.dtype().count == 1)
          << who_ << "not a tile expression: " << u.brief();
      std::vector<Scalar> types;
      std::vector<std::string> in;
      for (const UOp& s : u.src()) types.push_back(s.dtype().scalar), in.push_back("(" + expr(s, subst) + ")");
      return c_alu(u.op(), u.dtype().scalar, types, in);
    }
  }
}

// Whether elements k .. k + n - 1 of an index are adjacent, the first at a multiple of n whenever k
// is one: the index is affine, k's coefficient 1, every other coefficient and the constant multiples
// of n (a buffer starts 256-byte aligned), so the n elements are one aligned access.
bool aligned_along(const UOp& index, const UOp& k, int64_t n) {
  const std::optional<Sum> s = decompose(index);
  if (!s || s->constant % n != 0) return false;
  bool found = false;
  for (const Term& t : s->terms) {
    if (t.base == k) {
      found = t.coeff == 1;
      if (!found) return false;
    } else if (t.coeff % n != 0 || depends_on(t.base, k)) {
      return false;
    }
  }
  return found;
}

// Staged Warps mode (MmaTile::staged) opens the nest as a loop over blocks, each 2 x 2 warps: warp w
// of block iteration b takes the nest iteration whose share_m loop is 2 m' + w / 2 and share_n loop
// 2 n' + w % 2, where (..., m', ..., n', ...) is b over the nest with those two loops halved. The
// nest's loops then read their values off `warp_iter` as in plain Warps mode.
std::string Renderer::staged_warps(const std::string& it) const {
  const MmaTile& t = map_->tile;
  const std::vector<int64_t>& sizes = map_->sizes;
  std::vector<int64_t> half = sizes;
  half[t.share_m] /= 2, half[t.share_n] /= 2;
  std::string warp = "0";
  int64_t inner = 1, inner_half = 1;
  for (size_t j = sizes.size(); j-- > 0;) {
    std::string v = "(block_iter / " + std::to_string(inner_half) + " % " + std::to_string(half[j]) + ")";
    if (j == t.share_m) v = "(2 * " + v + " + mma_wid / 2)";
    if (j == t.share_n) v = "(2 * " + v + " + mma_wid % 2)";
    warp += " + " + v + " * " + std::to_string(inner);
    inner *= sizes[j], inner_half *= half[j];
  }
  const std::string ind = indent();
  return "for (" + it + " block_iter = (" + it + ")(" + std::string(sp_->group_id) + "); block_iter < (" + it + ")" +
         std::to_string(map_->extent / 4) + "; block_iter += (" + it + ")(" + std::string(sp_->group_stride) +
         ")) {\n" + ind + "  const " + it + " mma_wid = (" + it + ")(" + std::string(sp_->local_id) + " / 32);\n" +
         ind + "  const " + it + " warp_iter = " + warp + ";\n";
}

// Staged Warps mode's shared memory for an operand (MmaTile::staged): the block's 2 x 16 w rows (of
// A; columns of B) by 16 of the sum. float32 elements are kept as a tf32 high and a low part (two
// arrays of words), halves as they are (16 bits). Row by row when the operand steps by one along the
// sum in memory (rows of 20 words, or 24 halves: 16 and a pad to spread the banks), else sum-row by
// sum-row (rows of 2 x 16 w + 8), so both the block's coalesced loads and the warps' fragment reads
// keep to distinct banks (a pair of halves along the sum shares one word, or two).
struct StageLayout {
  bool along_k = false;
  bool halves = false;
  int64_t rows = 0;  // the block's rows (2 x 16 w)
  int64_t row() const { return along_k ? (halves ? 24 : 20) : rows + 8; }
  int64_t size() const { return along_k ? rows * row() : 16 * row(); }
  std::string at(const std::string& r, const std::string& k) const {
    if (along_k) return "(" + r + ") * " + std::to_string(row()) + " + " + k;
    return "(" + k + ") * " + std::to_string(row()) + " + " + r;
  }
};

StageLayout stage_layout(const UOp& v, const UOp& k, int64_t warp_rows) {
  StageLayout l;
  l.rows = 2 * warp_rows;
  l.halves = tc_operand(v) != Scalar::Float32;
  l.along_k = aligned_along(tc_operand_index(v).src(1), k, 1);
  return l;
}

StageLayout Renderer::stage_of(const UOp& v) const {
  const MmaTile& t = map_->tile;
  return stage_layout(v, prog_[t.k], 16 * (depends_on(v, prog_[t.n]) ? t.wn : t.wm));
}

// A pair of halves along the sum (k, k + 1; k even) from the stage, as one 32-bit register.
std::string Renderer::staged_pair(const UOp& v, const std::string& row, const std::string& k) const {
  const StageLayout l = stage_of(v);
  const std::string name = depends_on(v, prog_[map_->tile.n]) ? "mma_sb" : "mma_sa";
  if (l.along_k) return "*(const uint32_t*)&" + name + "[" + l.at(row, k) + "]";
  return "((uint32_t)" + name + "[" + l.at(row, k) + "] | ((uint32_t)" + name + "[" + l.at(row, k + " + 1") +
         "] << 16))";
}

// One step of 16 along the sum into the block's stage: after every warp is done with the last step,
// the block's 128 threads load the A rows and B columns of all four warps, consecutive threads on
// consecutive addresses, and split each float32 element once; then the warps wait for the whole stage.
void Renderer::emit_stage(const UOp& x, const UOp& y) {
  const MmaTile& t = map_->tile;
  const UOp &rm = prog_[t.m], &rn = prog_[t.n], &rk = prog_[t.k];
  const std::string in = indent();
  out_ << in << sp_->sync << "\n";
  for (const bool a : {true, false}) {
    const UOp& v = a ? x : y;
    const int64_t warp_rows = 16 * (a ? t.wm : t.wn);
    const StageLayout l = stage_of(v);
    const std::string name = a ? "mma_sa" : "mma_sb", rows = std::to_string(l.rows);
    const UOp& shared = prog_[map_->nest[a ? t.share_m : t.share_n]];
    // This warp's share loop, moved to the half of the block that row mma_r belongs to.
    const std::string half = a ? "mma_wid / 2" : "mma_wid % 2";
    Subst sub{{a ? rm : rn, "(mma_r % " + std::to_string(warp_rows) + ")"},
              {shared, "(" + var(shared, 0) + " - " + half + " + mma_r / " + std::to_string(warp_rows) + ")"},
              {rk, "mma_k"}};
    const UOp& ix = tc_operand_index(v);
    const std::string element = slot(ix.src(0)).addr.ptr + "[(int64_t)(" + expr(ix.src(1), sub) + ")]";
    // Halves: 16 bytes (8 of them) a thread where they are adjacent along the faster loop and aligned,
    // and the block's threads take them all in whole rounds; else one element a thread. Not float32:
    // float4 loads split 4 at a time halved its speed (H200, 1024^2: 25.3 -> 13.6 TFLOPS), where halves
    // gained (4096^2: 75.8 -> 109.6).
    const int64_t lanes = 8;
    const int64_t vec =
        l.halves && aligned_along(ix.src(1), l.along_k ? rk : (a ? rm : rn), lanes) && (l.rows * 16 / lanes) % 128 == 0
            ? lanes
            : 1;
    if (l.halves)
      out_ << in << "__shared__ " << (vec > 1 ? "__align__(16) " : "") << "uint16_t " << name << "[" << l.size()
           << "];\n";
    else
      out_ << in << "__shared__ uint32_t " << name << "h[" << l.size() << "], " << name << "l[" << l.size() << "];\n";
    out_ << in << "#pragma unroll\n"
         << in << "for (int64_t mma_q = 0; mma_q < " << l.rows * 16 / 128 / vec << "; ++mma_q) {\n"
         << in << "  const int64_t mma_e = "
         << (vec > 1 ? "(128 * mma_q + (int64_t)" + std::string(sp_->local_id) + ") * " + std::to_string(vec)
                     : "128 * mma_q + (int64_t)" + std::string(sp_->local_id))
         << ";\n"
         << in << "  const int64_t mma_r = mma_e " << (l.along_k ? "/ 16" : "% " + rows) << ", mma_k = mma_e "
         << (l.along_k ? "% 16" : "/ " + rows) << ";\n";
    const std::string at = l.at("mma_r", "mma_k");
    if (l.halves && vec > 1) {
      out_ << in << "  *(uint4*)&" << name << "[" << at << "] = *(const uint4*)&" << element << ";\n";
    } else if (l.halves) {
      out_ << in << "  " << name << "[" << at << "] = " << element << ";\n";
    } else {
      out_ << in << "  uint32_t mma_h, mma_l;\n"
           << in << "  mma_split(" << element << ", mma_h, mma_l);\n"
           << in << "  " << name << "h[" << at << "] = mma_h;\n"
           << in << "  " << name << "l[" << at << "] = mma_l;\n";
    }
    out_ << in << "}\n";
  }
  out_ << in << sp_->sync << "\n";
}

// Warps mode's tile (render_c_family.h): this warp's wm x wn blocks of 16 x 16, each as two
// mma.sync m16n8k16 per step of 16 along the sum. In a block, thread l of the warp holds, for each
// 16 x 8 half h, the elements at rows g and g + 8 (g = l / 4) and columns 8h + c, 8h + c + 1
// (c = 2 (l % 4)); its operands are the A elements at rows g, g + 8 and columns (of the sum) c,
// c + 1, c + 8, c + 9, and the B elements at those rows of the sum and column 8h + g: PTX's fragment
// layouts for m16n8k16 with 16-bit operands, two to a 32-bit register, the lower column (for B, row)
// in the low half. Returns the END of the tile's outermost loop.
size_t Renderer::emit_mma() {
  const MmaTile& t = map_->tile;
  const UOp &rm = prog_[t.m], &rn = prog_[t.n], &rk = prog_[t.k];
  const UOp& add = prog_[t.acc_store].src(1);
  const UOp& x = add.src(1).src(t.swapped ? 1 : 0);  // free of n: the A operand, rows m
  const UOp& y = add.src(1).src(t.swapped ? 0 : 1);  // free of m: the B operand, columns n
  const Scalar type = tc_operand(x);
  const bool tf32 = type == Scalar::Float32;
  const std::string kind = type == Scalar::BFloat16 ? "bf16" : "f16";
  // Element k of operand `v` (its raw storage), the tile's loops at the given expressions.
  auto element_at = [&](const UOp& v, const std::string& m, const std::string& n, const std::string& k) {
    const UOp& ix = tc_operand_index(v);
    return slot(ix.src(0)).addr.ptr + "[(int64_t)(" + expr(ix.src(1), {{rm, m}, {rn, n}, {rk, k}}) + ")]";
  };
  // Two raw 16-bit elements in one register (k1 is k0 + 1, k0 even): one 32-bit load where they are
  // adjacent and aligned.
  auto pair = [&](const UOp& v, const std::string& m, const std::string& n, const std::string& k0,
                  const std::string& k1) {
    if (aligned_along(tc_operand_index(v).src(1), rk, 2)) return "*(const uint32_t*)&" + element_at(v, m, n, k0);
    return "((uint32_t)" + element_at(v, m, n, k0) + " | ((uint32_t)" + element_at(v, m, n, k1) + " << 16))";
  };
  size_t end = t.m;
  while (!(prog_[end].op() == Op::END && prog_[end].src(0) == rm)) ++end;
  const std::string wm = std::to_string(t.wm), wn = std::to_string(t.wn);

  const std::string i0 = indent();
  out_ << i0 << "{  /* tc: this warp's " << 16 * t.wm << "x" << 16 * t.wn << " tile on the tensor cores (opt.h) */\n";
  ++depth_;
  const std::string i1 = indent();
  out_ << i1 << "const int64_t mma_lane = (int64_t)(" << sp_->local_id << " % 32);\n"
       << i1 << "const int64_t mma_g = mma_lane / 4, mma_c = (mma_lane % 4) * 2;\n"
       << i1 << "float mma_acc[" << wm << "][" << wn << "][8] = {};\n";
  if (tf32)  // 3xTF32: x as a tf32 high part plus a tf32 low part (round to nearest, ties away, on the bits)
    out_ << i1 << "auto mma_split = [](float x, uint32_t& hi, uint32_t& lo) {\n"
         << i1 << "  const uint32_t b = __float_as_uint(x);\n"
         << i1 << "  if ((b & 0x7f800000u) == 0x7f800000u) {  /* inf, NaN: no low part */\n"
         << i1 << "    hi = (b & 0x7fffffu) ? 0x7fc00000u : b;\n"
         << i1 << "    lo = 0;\n"
         << i1 << "    return;\n"
         << i1 << "  }\n"
         << i1 << "  hi = (b + 0x1000u) & 0xffffe000u;\n"
         << i1 << "  if ((hi & 0x7f800000u) == 0x7f800000u) hi = b & 0xffffe000u;  /* not past the largest float */\n"
         << i1 << "  lo = (__float_as_uint(x - __uint_as_float(hi)) + 0x1000u) & 0xffffe000u;\n"
         << i1 << "};\n";
  if (t.k_outer) {
    const UOp& ko = prog_[t.k_outer];
    out_ << i1 << "for (int64_t " << var(ko, 0) << " = 0; " << var(ko, 0) << " < " << lane(ko.src(0), 0) << "; ++"
         << var(ko, 0) << ") {\n";
    ++depth_;
  }
  const std::string i2 = indent();
  // Loops over the blocks (and an element's row and column in its block), unrolled by nvcc.
  auto loop = [&](const std::string& in, const std::string& v, const std::string& n) {
    return in + "#pragma unroll\n" + in + "for (int64_t " + v + " = 0; " + v + " < " + n + "; ++" + v + ") {\n";
  };
  const std::string rows = "(16 * mma_i + mma_g)", rows8 = "(16 * mma_i + mma_g + 8)";
  const std::string cols = "(16 * mma_j + mma_g)", cols8 = "(16 * mma_j + mma_g + 8)";
  const std::string c1 = "(mma_c + 1)", c8 = "(mma_c + 8)", c9 = "(mma_c + 9)";
  // The rows (columns) of this warp's half of a staged block.
  const std::string a_half = "(mma_wid / 2 * " + std::to_string(16 * t.wm) + " + ";
  const std::string b_half = "(mma_wid % 2 * " + std::to_string(16 * t.wn) + " + ";
  out_ << "#if __CUDA_ARCH__ >= 800\n";
  if (tf32) {
    // m16n8k8 with tf32: A at rows g, g + 8 and columns t, t + 4 (t = l % 4) of each step of 8; B at
    // those rows of the step and column g of each half; three products per pair of parts.
    const std::string t0 = "(mma_kk + mma_lane % 4)", t4 = "(mma_kk + mma_lane % 4 + 4)";
    if (t.staged) emit_stage(x, y);
    out_ << i2 << "#pragma unroll\n"
         << i2 << "for (int64_t mma_kk = 0; mma_kk < 16; mma_kk += 8) {\n"
         << i2 << "  uint32_t mma_ah[" << wm << "][4], mma_al[" << wm << "][4];\n"
         << loop(i2 + "  ", "mma_i", wm);
    const std::string in = i2 + "    ";
    const std::string a_at[4][2] = {{rows, t0}, {rows8, t0}, {rows, t4}, {rows8, t4}};
    // A part: split here from global memory, or read from the block's stage (rows of this warp's half).
    auto part = [&](const std::string& name, const std::string& parts, int r, const std::string& at) {
      const std::string to = parts + std::to_string(r) + "] = mma_s" + name;
      return in + "mma_" + name + "h" + to + "h[" + at + "];\n" + in + "mma_" + name + "l" + to + "l[" + at + "];\n";
    };
    for (int r = 0; r < 4; ++r) {
      if (t.staged)
        out_ << part("a", "[mma_i][", r, stage_of(x).at(a_half + a_at[r][0] + ")", a_at[r][1]));
      else
        out_ << in << "mma_split(" << element_at(x, a_at[r][0], "0", a_at[r][1]) << ", mma_ah[mma_i][" << r
             << "], mma_al[mma_i][" << r << "]);\n";
    }
    // B's parts one block column at a time, used by every block row: fewer registers live.
    out_ << i2 << "  }\n" << loop(i2 + "  ", "mma_j", wn) << in << "uint32_t mma_bh[2][2], mma_bl[2][2];\n";
    for (int h = 0; h < 2; ++h)
      for (int r = 0; r < 2; ++r) {
        const std::string col = h ? cols8 : cols, k = r ? t4 : t0;
        if (t.staged)
          out_ << part("b", h ? "[1][" : "[0][", r, stage_of(y).at(b_half + col + ")", k));
        else
          out_ << in << "mma_split(" << element_at(y, "0", col, k) << ", mma_bh[" << h << "][" << r << "], mma_bl[" << h
               << "][" << r << "]);\n";
      }
    out_ << loop(in, "mma_i", wm) << loop(in + "  ", "mma_h", "2");
    for (const auto& [a, b] : {std::pair{"al", "bh"}, std::pair{"ah", "bl"}, std::pair{"ah", "bh"}})
      out_ << in << "    asm volatile(\"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, "
           << "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\"\n"
           << in << "        : \"+f\"(mma_acc[mma_i][mma_j][4 * mma_h]), \"+f\"(mma_acc[mma_i][mma_j][4 * mma_h + 1]), "
           << "\"+f\"(mma_acc[mma_i][mma_j][4 * mma_h + 2]), \"+f\"(mma_acc[mma_i][mma_j][4 * mma_h + 3])\n"
           << in << "        : \"r\"(mma_" << a << "[mma_i][0]), \"r\"(mma_" << a << "[mma_i][1]), \"r\"(mma_" << a
           << "[mma_i][2]), \"r\"(mma_" << a << "[mma_i][3]), \"r\"(mma_" << b << "[mma_h][0]), \"r\"(mma_" << b
           << "[mma_h][1]));\n";
    out_ << in << "  }\n" << in << "}\n" << i2 << "  }\n" << i2 << "}\n";
  } else {
    // A pair along the sum: from global memory, or from the block's stage (this warp's half of it).
    auto a_pair = [&](const std::string& r, const std::string& k0, const std::string& k1) {
      return t.staged ? staged_pair(x, a_half + r + ")", k0) : pair(x, r, "0", k0, k1);
    };
    auto b_pair = [&](const std::string& c, const std::string& k0, const std::string& k1) {
      return t.staged ? staged_pair(y, b_half + c + ")", k0) : pair(y, "0", c, k0, k1);
    };
    if (t.staged) emit_stage(x, y);
    out_ << i2 << "uint32_t mma_a[" << wm << "][4], mma_b[" << wn << "][2][2];\n"
         << loop(i2, "mma_i", wm) << i2 << "  mma_a[mma_i][0] = " << a_pair(rows, "mma_c", c1) << ";\n"
         << i2 << "  mma_a[mma_i][1] = " << a_pair(rows8, "mma_c", c1) << ";\n"
         << i2 << "  mma_a[mma_i][2] = " << a_pair(rows, c8, c9) << ";\n"
         << i2 << "  mma_a[mma_i][3] = " << a_pair(rows8, c8, c9) << ";\n"
         << i2 << "}\n"
         << loop(i2, "mma_j", wn) << i2 << "  mma_b[mma_j][0][0] = " << b_pair(cols, "mma_c", c1) << ";\n"
         << i2 << "  mma_b[mma_j][0][1] = " << b_pair(cols, c8, c9) << ";\n"
         << i2 << "  mma_b[mma_j][1][0] = " << b_pair(cols8, "mma_c", c1) << ";\n"
         << i2 << "  mma_b[mma_j][1][1] = " << b_pair(cols8, c8, c9) << ";\n"
         << i2 << "}\n"
         << loop(i2, "mma_i", wm) << loop(i2 + "  ", "mma_j", wn) << loop(i2 + "    ", "mma_h", "2") << i2
         << "      float* mma_d = mma_acc[mma_i][mma_j] + 4 * mma_h;\n"
         << i2 << "      asm volatile(\"mma.sync.aligned.m16n8k16.row.col.f32." << kind << "." << kind
         << ".f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\"\n"
         << i2 << "          : \"+f\"(mma_d[0]), \"+f\"(mma_d[1]), \"+f\"(mma_d[2]), \"+f\"(mma_d[3])\n"
         << i2 << "          : \"r\"(mma_a[mma_i][0]), \"r\"(mma_a[mma_i][1]), \"r\"(mma_a[mma_i][2]), "
         << "\"r\"(mma_a[mma_i][3]), \"r\"(mma_b[mma_j][mma_h][0]), \"r\"(mma_b[mma_j][mma_h][1]));\n"
         << i2 << "    }\n"
         << i2 << "  }\n"
         << i2 << "}\n";
  }
  // An element e (0..7) of block (i, j): half e / 4, row g (+ 8 when e % 4 >= 2), column 8 (e / 4) + c + e % 2.
  auto element = [&](const std::string& in) {
    return loop(in, "mma_i", wm) + loop(in + "  ", "mma_j", wn) + loop(in + "    ", "mma_e", "8") + in +
           "      const int64_t mma_row = 16 * mma_i + mma_g + (mma_e % 4 >= 2 ? 8 : 0);\n" + in +
           "      const int64_t mma_col = 16 * mma_j + mma_c + 8 * (mma_e / 4) + mma_e % 2;\n";
  };
  // No matrix units: each element summed in interp's order (the program's own step).
  const UOp& cur = add.src(0);
  out_ << "#else\n"
       << i2 << "for (int64_t mma_k = 0; mma_k < " << kTileSize << "; ++mma_k) {\n"
       << element(i2 + "  ") << i2 << "        mma_acc[mma_i][mma_j][mma_e] = "
       << expr(add, {{cur, "mma_acc[mma_i][mma_j][mma_e]"}, {rm, "mma_row"}, {rn, "mma_col"}, {rk, "mma_k"}}) << ";\n"
       << i2 << "      }\n"
       << i2 << "    }\n"
       << i2 << "  }\n"
       << i2 << "}\n#endif\n";
  if (t.k_outer) {
    --depth_;
    out_ << i1 << "}\n";
  }
  // The store after the sum, at each of the thread's elements.
  const UOp& st = prog_[t.out_store];
  const UOp& ix = st.src(0);
  const Addr& a = slot(ix.src(0)).addr;
  Subst s{{rm, "mma_row"}, {rn, "mma_col"}};
  for (const UOp& u : st.src(1).toposort())  // the sum as the store's value reads it
    if (u.op() == Op::LOAD && pointer_root(u.src(0)) == pointer_root(cur.src(0)))
      s.emplace(u, "mma_acc[mma_i][mma_j][mma_e]");
  out_ << element(i1) << i1 << "      " << a.ptr << "[(int64_t)(" << expr(ix.src(1), s)
       << ")] = " << c_to_storage(a.elem, expr(st.src(1), s)) << ";\n"
       << i1 << "    }\n"
       << i1 << "  }\n"
       << i1 << "}\n";
  --depth_;
  out_ << i0 << "}\n";
  return end;
}

// A BITCAST that regroups lanes (int8x4 <-> int32): output lane k is bytes [k*os, (k+1)*os) of the
// sources' little-endian bytes, assembled from whole chunks of one source lane at a time.
std::vector<std::string> Renderer::bitcast_lanes(const UOp& u) {
  const DType to = u.dtype(), from = u.src(0).dtype();
  ANVIL_CHECK(itemsize(to) == itemsize(from)) << who_ << "BITCAST between different widths: " << u.brief();
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

std::string CFamilyDialect::scratch_lines(const std::string& name, const std::string& elem, int64_t n, int64_t bytes,
                                          std::vector<std::string>& cleanup) const {
  return "  " + elem + " " + name + "[" + std::to_string(n) + "] = {0};\n";
}

ThreadedDialect::ThreadedDialect(std::span<const UOp> program, const ThreadedSpelling& spelling)
    : loop_(find_thread_loop(program, spelling.tensor_cores)), s_(spelling) {}

std::string ThreadedDialect::signature(const std::string& entry, int64_t num_slots) const {
  std::string s = std::string(s_.kernel) + entry + "(";
  for (int64_t k = 0; k < num_slots; ++k) s += std::string(s_.bytes) + " b" + std::to_string(k) + ", ";
  return s + std::string(s_.vars) + " vars) {\n";
}

std::string ThreadedDialect::buffer_line(const std::string& name, const std::string& elem, int64_t slot,
                                         bool sole) const {
  const std::string type = std::string(s_.address_space) + elem + "*";
  return "  " + type + " " + name + " = (" + type + ")b" + std::to_string(slot) + ";\n";
}

std::string stdint_names(const std::array<std::string_view, 8>& types, std::string_view suffix64) {
  std::string s;
  for (size_t k = 0; k < 8; ++k)
    s += "typedef " + std::string(types[k]) + (k < 4 ? " int" : " uint") + std::to_string(8 << (k % 4)) + "_t;\n";
  const std::string l(suffix64);
  return s + "#define INT8_MIN (-128)\n#define INT8_MAX 127\n#define INT16_MIN (-32768)\n#define INT16_MAX 32767\n" +
         "#define INT32_MIN (-2147483647 - 1)\n#define INT32_MAX 2147483647\n" +
         "#define INT64_MIN (-9223372036854775807" + l + " - 1)\n#define INT64_MAX 9223372036854775807" + l + "\n" +
         "#define UINT8_MAX 255\n#define UINT16_MAX 65535\n#define UINT32_MAX 4294967295u\n" +
         "#define UINT64_MAX 18446744073709551615U" + l + "\n";
}

std::string prefixed_entry_name(const std::string& fn_name) {
  return fn_name.rfind("anvil_", 0) == 0 ? fn_name : "anvil_" + fn_name;
}

std::string render_c_family(std::span<const UOp> program, const std::string& entry, const CFamilyDialect& dialect) {
  return Renderer(program, entry, dialect).run();
}

namespace {

bool is_global_index(const UOp& ix) {
  return ix.op() == Op::INDEX && ix.src().size() == 2 && ix.src(0).op() == Op::DEFINE_GLOBAL;
}

// A value Warps mode can render per tile element: scalar constants, vars, loops, ALU ops and ungated
// loads of globals or of the accumulator `acc` (a load's ordering sources are not part of its value).
bool is_plain_epilogue(const UOp& value, const UOp& acc) {
  std::vector<UOp> todo{value};
  std::unordered_set<UOp, UOpHash> seen;
  while (!todo.empty()) {
    const UOp u = todo.back();
    todo.pop_back();
    if (!seen.insert(u).second) continue;
    switch (u.op()) {
      case Op::CONST:
      case Op::DEFINE_VAR:
      case Op::RANGE: continue;
      case Op::LOAD: {
        const UOp& ix = u.src(0);
        if (u.dtype().count != 1 || ix.op() != Op::INDEX || ix.src().size() != 2) return false;
        if (!is_global_index(ix) && !(ix.src(0) == acc && ix.src(1).is_const())) return false;
        todo.push_back(ix.src(1));
        continue;
      }
      default:
        if (!in_group(u.op(), opgroup::Alu) || u.dtype().count != 1 || u.dtype().is_ptr) return false;
        for (const UOp& s : u.src()) todo.push_back(s);
    }
  }
  return true;
}

// Warps mode's tile (render_c_family.h), when the program has one in the shape mma.sync takes.
std::optional<MmaTile> find_mma_tile(std::span<const UOp> program, const std::vector<int64_t>& parent,
                                     const std::vector<size_t>& end_of) {
  const size_t n = program.size();
  MmaTile t;
  int found = 0;
  for (size_t i = 0; i < n; ++i) {
    const UOp& u = program[i];
    if (u.op() != Op::RANGE || !is_tile_axis(u.arg_int())) continue;
    const int64_t id = u.arg_int(), size = u.src(0).is_const() ? static_cast<int64_t>(u.src(0).const_int()) : 0;
    const bool edge = size == kTileSize || (id != tile_axis_k && (size == 2 * kTileSize || size == 4 * kTileSize));
    if (!edge || end_of[i] == n) return std::nullopt;
    (id == tile_axis_m ? t.m : id == tile_axis_n ? t.n : t.k) = i;
    if (id == tile_axis_m) t.wm = size / kTileSize;
    if (id == tile_axis_n) t.wn = size / kTileSize;
    ++found;
  }
  if (found != 3 || parent[t.n] != static_cast<int64_t>(t.m)) return std::nullopt;
  if (parent[t.k] != static_cast<int64_t>(t.n)) {
    t.k_outer = static_cast<size_t>(parent[t.k]);
    const UOp& ko = program[t.k_outer];
    if (parent[t.k_outer] != static_cast<int64_t>(t.n) || ko.op() != Op::RANGE || !is_ordinary_axis(ko.arg_int()) ||
        !ko.src(0).is_const())
      return std::nullopt;
  }
  const size_t sum = t.k_outer ? t.k_outer : t.k;  // the sum's outermost loop
  UOp acc;
  bool init = false;
  int out_stores = 0, acc_stores = 0;
  for (size_t i = t.m + 1; i < end_of[t.m]; ++i) {
    const UOp& u = program[i];
    if (u.op() == Op::IF || u.op() == Op::BARRIER) return std::nullopt;
    if (u.op() == Op::RANGE && i != t.n && i != t.k && i != t.k_outer) return std::nullopt;
    if (u.op() != Op::STORE) continue;
    const UOp root = pointer_root(u.src(0));
    if (i > sum && i < end_of[t.k]) {
      t.acc_store = i, acc = root, ++acc_stores;
    } else if (i < sum && root.op() == Op::DEFINE_REG && u.src(1).is_const() && u.src(1).dtype() == dtypes::float32 &&
               u.src(1).arg_float() == 0.0 && !std::signbit(u.src(1).arg_float())) {
      init = true;
    } else if (i > end_of[sum] && root.op() == Op::DEFINE_GLOBAL && is_global_index(u.src(0))) {
      t.out_store = i, ++out_stores;
    } else {
      return std::nullopt;
    }
  }
  if (acc_stores != 1 || out_stores != 1 || !init || acc.op() != Op::DEFINE_REG) return std::nullopt;
  // The accumulation: acc = acc + x * y, x free of n and y free of m (or the other way round).
  const UOp& add = program[t.acc_store].src(1);
  if (add.op() != Op::ADD || add.dtype() != dtypes::float32 || add.src(0).op() != Op::LOAD ||
      !(pointer_root(add.src(0).src(0)) == acc) || add.src(1).op() != Op::MUL)
    return std::nullopt;
  const UOp& x = add.src(1).src(0);
  const UOp& y = add.src(1).src(1);
  if (tc_operand(x) == Scalar::Void || tc_operand(x) != tc_operand(y)) return std::nullopt;
  const UOp &rm = program[t.m], &rn = program[t.n];
  if (!depends_on(x, rn) && !depends_on(y, rm))
    t.swapped = false;
  else if (!depends_on(x, rm) && !depends_on(y, rn))
    t.swapped = true;
  else
    return std::nullopt;
  // The store: one place per element of the tile, a plain value, no operand's buffer.
  const UOp& st = program[t.out_store];
  if (!depends_on(st.src(0), rm) || !depends_on(st.src(0), rn) || !is_plain_epilogue(st.src(1), acc) ||
      !is_plain_epilogue(st.src(0).src(1), acc))
    return std::nullopt;
  const int64_t out_slot = st.src(0).src(0).arg_int();
  if (tc_operand_index(x).src(0).arg_int() == out_slot || tc_operand_index(y).src(0).arg_int() == out_slot)
    return std::nullopt;
  return t;
}

// Warps mode's staging (MmaTile::staged): nest loops of even size to pair the block's warps along, the innermost such
// (the A operand reads share_m, B does not; B reads share_n, A does not).
void stage_tile(std::span<const UOp> program, ThreadLoop& l) {
  MmaTile& t = l.tile;
  const UOp& prod = program[t.acc_store].src(1).src(1);
  const UOp& x = prod.src(t.swapped ? 1 : 0);
  const UOp& y = prod.src(t.swapped ? 0 : 1);
  std::optional<size_t> along_m, along_n;
  for (size_t j = 0; j < l.nest.size(); ++j) {
    if (l.sizes[j] % 2 != 0) continue;
    const UOp& r = program[l.nest[j]];
    const bool in_x = depends_on(x, r), in_y = depends_on(y, r);
    if (in_x && !in_y) along_m = j;
    if (in_y && !in_x) along_n = j;
  }
  if (!along_m || !along_n) return;
  t.staged = true;
  t.share_m = *along_m;
  t.share_n = *along_n;
}

}  // namespace

ThreadLoop find_thread_loop(std::span<const UOp> program, bool tensor_cores) {
  ThreadLoop l;
  const size_t n = program.size();
  int64_t reg_bytes = 0, local_bytes = 0;
  std::vector<int64_t> parent(n, -1);  // the RANGE or IF a position sits in (-1: none)
  std::vector<size_t> end_of(n, n);    // per RANGE or IF: its END or ENDIF
  std::vector<int64_t> stored_globals, loaded_globals;
  std::vector<size_t> open;
  for (size_t i = 0; i < n; ++i) {
    const UOp& u = program[i];
    if (u.op() == Op::DEFINE_GLOBAL) l.num_slots = std::max(l.num_slots, u.arg_int() + 1);
    const int64_t bytes = std::max<int64_t>(u.dtype().ptr_size, 1) * itemsize(u.dtype().scalar);
    if (u.op() == Op::DEFINE_REG) reg_bytes += bytes;
    if (u.op() == Op::DEFINE_LOCAL) local_bytes += bytes;
    if ((u.op() == Op::LOAD || u.op() == Op::STORE) && pointer_root(u.src(0)).op() == Op::DEFINE_GLOBAL)
      (u.op() == Op::STORE ? stored_globals : loaded_globals).push_back(pointer_root(u.src(0)).arg_int());
    if (u.op() == Op::END || u.op() == Op::ENDIF) {
      if (open.empty()) return l;  // malformed: render_c_family reports it
      end_of[open.back()] = i;
      parent[i] = static_cast<int64_t>(open.back());
      open.pop_back();
      continue;
    }
    parent[i] = open.empty() ? -1 : static_cast<int64_t>(open.back());
    if (u.op() == Op::RANGE || u.op() == Op::IF) open.push_back(i);
  }
  auto within = [&](size_t p, size_t block) {
    for (int64_t b = parent[p]; b != -1; b = parent[static_cast<size_t>(b)])
      if (static_cast<size_t>(b) == block) return true;
    return false;
  };
  auto is_lane = [&](size_t p) { return program[p].op() == Op::RANGE && is_lane_axis(program[p].arg_int()); };
  auto global_store = [&](size_t p) {
    return program[p].op() == Op::STORE && pointer_root(program[p].src(0)).op() == Op::DEFINE_GLOBAL;
  };
  // Every global store inside `r` is indexed by it.
  auto disjoint = [&](size_t r) {
    for (size_t i = r + 1; i < end_of[r]; ++i)
      if (global_store(i) && !depends_on(program[i].src(0), program[r])) return false;
    return true;
  };

  const std::optional<MmaTile> tile = tensor_cores ? find_mma_tile(program, parent, end_of) : std::nullopt;

  // The nest: descend while a block holds exactly one block, a RANGE, and nothing with an effect.
  int64_t cur = -1;
  while (true) {
    std::vector<size_t> kids;
    bool effects = false;
    for (size_t i = 0; i < n; ++i) {
      if (parent[i] != cur || program[i].op() == Op::END || program[i].op() == Op::ENDIF) continue;
      if (program[i].op() == Op::RANGE || program[i].op() == Op::IF) kids.push_back(i);
      effects = effects || program[i].op() == Op::STORE || program[i].op() == Op::BARRIER;
    }
    if (kids.size() != 1 || effects || program[kids[0]].op() != Op::RANGE || is_lane(kids[0])) break;
    const size_t r = kids[0];
    if (tile && r == tile->m) {  // Warps: the nest's iterations are warps, each with this tile
      l.warps = true;
      break;
    }
    if (program[r].src(0).op() != Op::CONST || end_of[r] == n || !disjoint(r)) break;
    const int64_t size = std::max<int64_t>(static_cast<int64_t>(program[r].src(0).const_int()), 0);
    if (size > 0 && l.extent > kMaxFlatExtent / size) break;
    l.nest.push_back(r);
    l.sizes.push_back(size);
    l.extent *= size;
    cur = static_cast<int64_t>(r);
  }

  // Blocks: lane loops, none in another, a block's worth of lanes and shared memory, and no global
  // buffer both stored and loaded (thread 0's store would not be seen by the others).
  std::vector<size_t> lanes;
  for (size_t i = 0; i < n; ++i)
    if (is_lane(i)) lanes.push_back(i);
  bool blocks = !lanes.empty() && reg_bytes <= kParallelScratchBytes && local_bytes <= kMaxSharedBytes;
  for (size_t p : lanes) {
    const UOp& end = program[p].src(0);
    blocks = blocks && end.op() == Op::CONST && end.const_int() >= 1 && end.const_int() <= kMaxBlockThreads;
    for (size_t q : lanes) blocks = blocks && !within(p, q);
    if (blocks) l.lanes = std::max<int64_t>(l.lanes, static_cast<int64_t>(end.const_int()));
  }
  for (int64_t s : stored_globals)
    blocks = blocks && std::find(loaded_globals.begin(), loaded_globals.end(), s) == loaded_globals.end();
  if (blocks) {
    l.blocks = true;
    l.lane_loops = lanes;
    // Combine loops: after a barrier, they load local memory and store only accumulators.
    for (size_t q = 0; q < n; ++q) {
      if (program[q].op() != Op::RANGE || is_lane(q) || end_of[q] == n || q == 0 || program[q - 1].op() != Op::BARRIER)
        continue;
      bool local = false, only_regs = true;
      for (size_t i = q + 1; i < end_of[q]; ++i) {
        const UOp& u = program[i];
        if (u.op() == Op::LOAD && pointer_root(u.src(0)).op() == Op::DEFINE_LOCAL) local = true;
        if (u.op() == Op::STORE && pointer_root(u.src(0)).op() != Op::DEFINE_REG) only_regs = false;
        if (u.op() == Op::RANGE || u.op() == Op::IF || u.op() == Op::BARRIER) only_regs = false;
      }
      if (local && only_regs) l.combine_loops.push_back(q);
    }
  } else {
    l.lanes = 1;
    if (reg_bytes + local_bytes > kParallelScratchBytes) l.nest.clear(), l.sizes.clear(), l.extent = 1;
  }
  l.warps = l.warps && !l.blocks;
  if (l.warps) {
    l.tile = *tile;
    stage_tile(program, l);
  }
  l.parallel = !l.nest.empty();
  return l;
}

}  // namespace anvil
