#include "engine/rewrite/graph_rewrite.h"

#include <cstdio>
#include <unordered_map>

#include "engine/support/check.h"
#include "engine/support/env.h"

namespace anvil {
namespace {

thread_local RewriteStats g_stats;

struct Frame {
  UOp node;                   // what was asked for
  UOp rebuilt;                // node with rewritten sources
  const Rule* via = nullptr;  // the rule whose replacement this frame rewrites (null for a source)
  size_t next = 0;
  bool changed = false;
  std::vector<UOp> src;
  UOp waiting;  // the replacement being rewritten, in stage 2
  int stage = 0;
};

class Rewriter {
 public:
  Rewriter(const RuleSet& rules, RewriteOptions opts) : rules_(rules), opts_(opts) {}

  UOp run(const UOp& root) {
    g_stats = {};
    push(root, nullptr);
    while (!stack_.empty()) step();
    g_stats.visited = static_cast<int64_t>(memo_.size());
    return memo_.at(root);
  }

 private:
  // Pushes a frame for `n` unless it is done; a node already in progress is a loop.
  bool push(const UOp& n, const Rule* via) {
    if (memo_.count(n)) return false;
    if (auto it = active_.find(n); it != active_.end()) report_loop(it->second, via);
    active_.emplace(n, stack_.size());
    Frame f;
    f.node = n;
    f.via = via;
    stack_.push_back(std::move(f));
    return true;
  }

  void step() {
    const size_t top = stack_.size() - 1;
    Frame& f = stack_[top];
    if (f.stage == 0) {
      while (f.next < f.node.src().size()) {
        const UOp& s = f.node.src(f.next);
        if (auto it = memo_.find(s); it != memo_.end()) {
          f.changed |= !(it->second == s);
          f.src.push_back(it->second);
          ++f.next;
          continue;
        }
        push(s, nullptr);
        return;  // `f` may dangle now; come back when the source is done
      }
      f.rebuilt = f.changed ? UOp::make(f.node.op(), f.node.dtype(), std::move(f.src), f.node.arg()) : f.node;
      f.src.clear();
      if (!(f.rebuilt == f.node)) {
        if (auto it = memo_.find(f.rebuilt); it != memo_.end()) return finish(it->second);
        if (auto it = active_.find(f.rebuilt); it != active_.end()) report_loop(it->second, nullptr);
        active_.emplace(f.rebuilt, top);
      }
      const Rule* fired = nullptr;
      UOp r = rewrite_once(f.rebuilt, rules_, &fired);
      if (!r) return finish(f.rebuilt);
      ANVIL_CHECK(++g_stats.rewrites <= opts_.max_rewrites)
          << "graph_rewrite: more than " << opts_.max_rewrites << " rule firings; last: " << fired->name << " ("
          << fired->location() << ")";
      if (debug_level() >= 4)
        std::fprintf(stderr, "rewrite %s: %s (%s)  %s -> %s\n", rules_.name().c_str(), fired->name.c_str(),
                     fired->location().c_str(), f.rebuilt.brief().c_str(), r.brief().c_str());
      if (auto it = memo_.find(r); it != memo_.end()) return finish(it->second);
      f.waiting = r;
      f.stage = 2;
      push(r, fired);
      return;
    }
    finish(memo_.at(f.waiting));
  }

  void finish(UOp result) {
    Frame& f = stack_.back();
    memo_.emplace(f.node, result);
    active_.erase(f.node);
    if (f.rebuilt && !(f.rebuilt == f.node)) {
      memo_.emplace(f.rebuilt, result);
      active_.erase(f.rebuilt);
    }
    stack_.pop_back();
  }

  [[noreturn]] void report_loop(size_t from, const Rule* last) {
    std::string rules;
    for (size_t i = from + 1; i < stack_.size(); ++i)
      if (stack_[i].via) rules += "\n  " + stack_[i].via->name + " (" + stack_[i].via->location() + ")";
    if (last) rules += "\n  " + last->name + " (" + last->location() + ")";
    ANVIL_CHECK(false) << "rewrite loop in " << rules_.name() << ": " << stack_[from].node.brief()
                       << " came back while being rewritten; rules that cycled:" << rules;
    __builtin_unreachable();
  }

  const RuleSet& rules_;
  RewriteOptions opts_;
  std::vector<Frame> stack_;
  std::unordered_map<UOp, UOp, UOpHash> memo_;
  std::unordered_map<UOp, size_t, UOpHash> active_;  // node -> its frame
};

}  // namespace

const RewriteStats& last_rewrite_stats() { return g_stats; }

UOp rewrite_once(const UOp& node, const RuleSet& rules, const Rule** fired) {
  Bindings b;
  for (int i : rules.candidates(node.op())) {
    const Rule& r = rules.rules()[i];
    if (UOp out = apply_rule(r, node, b)) {
      if (fired) *fired = &r;
      return out;
    }
  }
  return {};
}

UOp graph_rewrite(const UOp& root, const RuleSet& rules, RewriteOptions opts) {
  ANVIL_CHECK(root) << "graph_rewrite of a null UOp";
  return Rewriter(rules, opts).run(root);
}

UOp graph_rewrite(const UOp& root, const std::vector<const RuleSet*>& sets, RewriteOptions opts) {
  std::string name;
  for (const RuleSet* s : sets) name += (name.empty() ? "" : "+") + s->name();
  return graph_rewrite(root, RuleSet(name, sets), opts);
}

}  // namespace anvil
