#include "engine/codegen/linearize.h"

#include <algorithm>
#include <map>
#include <optional>

#include "engine/codegen/lowered.h"
#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

using codegen::LoweredKernel;
using codegen::Scope;

constexpr int64_t kTop = -1;  // the block outside every loop

// Places every node in a block (the innermost loop it depends on) and emits the blocks in order:
// within a block, a dependency order of its nodes and its child loops (each RANGE ... END as one item).
class Linearizer {
 public:
  explicit Linearizer(LoweredKernel& k) : k_(k) {
    for (const UOp& n : k_.sink.toposort())
      if (n.op() == Op::RANGE) range_[n.arg_int()] = n;
    std::optional<int64_t> prev;  // output loops nest in axis order
    for (const auto& [axis, r] : range_) {
      if (k_.reduce_outer.count(axis)) continue;
      parent_[axis] = prev ? *prev : kTop;
      prev = axis;
    }
    close_output_loops();
    nodes_ = k_.sink.toposort();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      pos_.emplace(nodes_[i], i);
      if (nodes_[i].op() == Op::END) {
        const int64_t axis = nodes_[i].src(0).arg_int();
        ANVIL_CHECK(!end_.count(axis)) << "codegen: two ENDs for loop " << axis;
        end_[axis] = nodes_[i];
      }
    }
  }

  std::vector<UOp> run() {
    emit(kTop);
    ANVIL_CHECK(program_.size() == nodes_.size()) << "codegen: placed " << program_.size() << " of " << nodes_.size();
    return std::move(program_);
  }

 private:
  int64_t parent(int64_t axis) {
    if (auto it = parent_.find(axis); it != parent_.end()) return it->second;
    const int64_t p = deepest(k_.reduce_outer.at(axis));
    parent_[axis] = p;
    return p;
  }
  int depth(int64_t axis) { return axis == kTop ? 0 : 1 + depth(parent(axis)); }
  int64_t deepest(const Scope& s) {
    int64_t best = kTop;
    for (int64_t a : s)
      if (depth(a) > depth(best)) best = a;
    for (int64_t a : s) ANVIL_CHECK(is_within(best, a)) << "codegen: loops " << a << " and " << best << " do not nest";
    return best;
  }
  bool is_within(int64_t inner, int64_t outer) {  // inner == outer or nested inside it
    for (int64_t a = inner; a != kTop; a = parent(a))
      if (a == outer) return true;
    return outer == kTop;
  }

  // The output STOREs are closed by the ENDs of the loops they sit in: one END per loop, holding
  // the STOREs whose innermost loop it is and the END of the loop nested in it.
  void close_output_loops() {
    std::map<int64_t, std::vector<UOp>> inside;  // loop -> what its END holds
    std::vector<UOp> top;
    for (const UOp& s : k_.sink.src()) {
      const int64_t a = deepest(k_.scopes.of(s));
      (a == kTop ? top : inside[a]).push_back(s);
    }
    while (!inside.empty()) {  // innermost first: a loop nests deeper than its parent
      auto pick = inside.begin();
      for (auto it = inside.begin(); it != inside.end(); ++it)
        if (depth(it->first) > depth(pick->first)) pick = it;
      std::vector<UOp> src = std::move(pick->second);
      src.insert(src.begin(), range_.at(pick->first));
      const int64_t p = parent(pick->first);
      inside.erase(pick);
      (p == kTop ? top : inside[p]).push_back(UOp::make(Op::END, dtypes::void_, std::move(src)));
    }
    k_.sink = UOp::make(Op::SINK, dtypes::void_, std::move(top));
  }

  // The block a node belongs to; for a RANGE or END, the loop it opens or closes.
  int64_t home(const UOp& n) {
    if (n.op() == Op::RANGE) return n.arg_int();
    if (n.op() == Op::END) return n.src(0).arg_int();
    return deepest(k_.scopes.of(n));
  }
  bool is_loop_edge(const UOp& n) { return n.op() == Op::RANGE || n.op() == Op::END; }

  // The item of block b that contains n: n itself, a child loop (its axis), or none (emitted before).
  struct Item {
    bool loop = false;
    int64_t axis = 0;
    UOp node;
    bool operator==(const Item& o) const { return loop == o.loop && (loop ? axis == o.axis : node == o.node); }
  };
  std::optional<Item> item_in(const UOp& n, int64_t b) {
    const int64_t h = home(n);
    if (!is_loop_edge(n) && h == b) return Item{false, 0, n};
    for (int64_t a = h; a != kTop; a = parent(a))
      if (parent(a) == b) return Item{true, a, {}};
    return std::nullopt;
  }

  void emit(int64_t b) {
    std::vector<Item> items;
    for (const UOp& n : nodes_)
      if (!is_loop_edge(n) && home(n) == b) items.push_back(Item{false, 0, n});
    for (const auto& [axis, r] : range_)
      if (parent(axis) == b) items.push_back(Item{true, axis, {}});
    auto key = [&](const Item& it) { return pos_.at(it.loop ? range_.at(it.axis) : it.node); };
    std::sort(items.begin(), items.end(), [&](const Item& x, const Item& y) { return key(x) < key(y); });
    // Edges: an item waits for the items of b that its nodes' sources belong to.
    std::vector<std::vector<size_t>> preds(items.size());
    auto index_of = [&](const Item& it) {
      return static_cast<size_t>(std::find(items.begin(), items.end(), it) - items.begin());
    };
    for (size_t i = 0; i < items.size(); ++i) {
      std::vector<UOp> members;
      if (items[i].loop) {
        for (const UOp& n : nodes_)
          if (is_within(home(n), items[i].axis)) members.push_back(n);
      } else {
        members.push_back(items[i].node);
      }
      for (const UOp& m : members)
        for (const UOp& s : m.src()) {
          std::optional<Item> it = item_in(s, b);
          if (!it || *it == items[i]) continue;
          const size_t j = index_of(*it);
          ANVIL_CHECK(j < items.size()) << "codegen: a source outside its block: " << s.brief();
          preds[i].push_back(j);
        }
    }
    std::vector<bool> done(items.size(), false);
    for (size_t emitted = 0; emitted < items.size(); ++emitted) {
      size_t pick = items.size();
      for (size_t i = 0; i < items.size() && pick == items.size(); ++i) {
        if (done[i]) continue;
        if (std::all_of(preds[i].begin(), preds[i].end(), [&](size_t j) { return done[j]; })) pick = i;
      }
      ANVIL_CHECK(pick < items.size()) << "codegen: a cycle between the items of loop " << b;
      done[pick] = true;
      const Item& it = items[pick];
      if (!it.loop) {
        program_.push_back(it.node);
        continue;
      }
      program_.push_back(range_.at(it.axis));
      emit(it.axis);
      ANVIL_CHECK(end_.count(it.axis)) << "codegen: loop " << it.axis << " is never closed";
      program_.push_back(end_.at(it.axis));
    }
  }

  LoweredKernel& k_;
  std::map<int64_t, UOp> range_, end_;
  std::map<int64_t, int64_t> parent_;
  std::vector<UOp> nodes_;
  std::unordered_map<UOp, size_t, UOpHash> pos_;
  std::vector<UOp> program_;
};

}  // namespace

std::vector<UOp> linearize(const UOp& kernel_ast) {
  LoweredKernel k = codegen::lower_kernel(kernel_ast);
  std::vector<UOp> program = Linearizer(k).run();
  if (auto problem = validate_program(program))
    ANVIL_CHECK(false) << "codegen: the program fails validate_program: " << *problem << "\n" << to_text(program);
  return program;
}

}  // namespace anvil
