#pragma once
// What a check reports, and how a target is driven. A finding's signature (stage, op, backend,
// kind) is what triage deduplicates on and what the reducer keeps while it shrinks a case.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fuzz/lib/source.h"

namespace anvil::fuzz {

struct Signature {
  std::string stage;    // symbolic, shape, graph, api, parse, ...
  std::string op;       // the op at fault (the reduced case's root when unknown)
  std::string backend;  // "-" where no backend is involved
  std::string kind;     // crash, mismatch, error, timeout, hang, poison, range, idempotence, ...
  std::string str() const { return stage + "/" + kind + "/" + op + "/" + backend; }
  bool operator==(const Signature&) const = default;
};

struct Finding {
  Signature signature;
  std::string message;  // what differed, at which point, with values
};

struct Outcome {
  enum Kind { Ok, Rejected, Found } kind = Ok;
  Finding finding;
  static Outcome ok() { return {}; }
  static Outcome rejected() { return {Rejected, {}}; }
  static Outcome found(Finding f) { return {Found, std::move(f)}; }
};

// A fuzz target: one entry for libFuzzer, the corpus/regression replay and the CLI.
struct Target {
  std::string_view name;
  Outcome (*run)(std::string_view input);
  std::string (*generate)(Source& src);  // a fresh, valid input
  // A structure-aware mutation; null means libFuzzer's byte-level mutators (a parser's target).
  std::string (*mutate)(std::string_view input, uint64_t seed, size_t max_size);
  // A smaller input with the same finding signature (returns the input when it cannot shrink).
  std::string (*reduce)(std::string_view input, const Signature& signature);
  // How big a case is (UOp nodes, movement steps, statements): what reducing makes smaller.
  size_t (*size)(std::string_view input);
};

std::span<const Target> all_targets();
const Target* find_target(std::string_view name);

}  // namespace anvil::fuzz
