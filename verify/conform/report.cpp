// The conformance reports: Markdown for the new-backend author (a summary, the op x dtype table,
// then every failure with its shrunk case) and JSON for tools.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "verify/conform/matrix.h"
#include "verify/ops/op_table.h"

namespace anvil::conform {
namespace {

// An op x dtype entry over its shape classes: any failure fails it, else any unsupported class.
Status merged(Status a, Status b) {
  auto rank = [](Status s) {
    switch (s) {
      case Status::Fail: return 3;
      case Status::Unsupported: return 2;
      case Status::Pass: return 1;
      case Status::Refused: return 0;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

struct Entry {
  Status status = Status::Refused;
  std::vector<const Cell*> cells;
};

// Rows in table order, each with its dtypes' entries.
std::vector<std::pair<std::string, std::map<std::string, Entry>>> entries(const Result& r) {
  std::vector<std::pair<std::string, std::map<std::string, Entry>>> out;
  for (const Cell& c : r.cells) {
    if (out.empty() || out.back().first != c.row) out.push_back({c.row, {}});
    auto [it, fresh] = out.back().second.try_emplace(name(c.dtype));
    it->second.status = fresh ? c.status : merged(it->second.status, c.status);
    it->second.cells.push_back(&c);
  }
  return out;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string escape_md(std::string s) {
  std::string out;
  for (char ch : first_line(s)) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string cell_id(const Cell& c) {
  return c.row + " / " + name(c.dtype) + " / " + std::string(class_name(c.shape_class));
}

}  // namespace

std::string to_markdown(const Result& r, const Header& h) {
  const auto rows = entries(r);
  std::map<Status, size_t> pairs;
  for (const auto& [row, dts] : rows)
    for (const auto& [dt, e] : dts) ++pairs[e.status];
  std::ostringstream md;
  md << "# Conformance of the `" << r.options.backend << "` backend\n\n"
     << "anvil commit `" << h.commit << "` · backend `" << r.options.backend << "` · " << r.options.cases
     << " cases per cell"
     << (r.options.sample > 0 ? " · " + std::to_string(r.options.sample) + " sampled cell(s) per row" : std::string())
     << " · seed " << r.options.seed << " · " << h.date << " · " << h.build << " build · "
     << static_cast<long>(r.seconds) << " s\n\n"
     << "Made by `anvil conform --backend " << r.options.backend << "` (verify/conform): every op-table row × each "
     << "dtype it takes × shape classes (scalar, one element, small, non-contiguous view, padded, empty, large, "
     << "broadcasting), each cell a RapidCheck property comparing the backend with ref (the meaning of the Tensor "
     << "API) and with interp (the meaning of the IR), with the graph fuzzer's tolerance rule. A failure is shrunk "
     << "and written as a graph-target case: `ANVIL_FUZZ_BACKENDS=" << r.options.backend
     << " build/.../fuzz/replay_graph CASE` replays it.\n\n"
     << "## Summary\n\n| | cells (op × dtype × shape class) | op × dtype |\n|---|---:|---:|\n";
  for (Status s : {Status::Pass, Status::Fail, Status::Unsupported, Status::Refused})
    md << "| " << status_name(s) << " | " << r.count(s) << " | " << pairs[s] << " |\n";
  md << "\n✓ every shape class passes · ✗ a class fails (links to its shrunk case) · — the backend raised "
        "anvil::Error (unsupported) · · the Tensor API or ref refuses the dtype (as PyTorch does): nothing for a "
        "backend to do · blank: "
     << (r.options.sample > 0 ? "not sampled in this run, or the row does not take the dtype"
                              : "the row does not take the dtype")
     << ".\n\n## op × dtype\n\n| row |";
  std::vector<std::string> dtypes;
  for (const DType& d : ops::all_dtypes()) dtypes.push_back(name(d));
  for (const std::string& d : dtypes) md << " " << d << " |";
  md << "\n|---|";
  for (size_t i = 0; i < dtypes.size(); ++i) md << ":-:|";
  md << "\n";
  for (const auto& [row, dts] : rows) {
    md << "| " << row << " |";
    for (const std::string& d : dtypes) {
      auto it = dts.find(d);
      if (it == dts.end()) {
        md << " |";
        continue;
      }
      const Entry& e = it->second;
      switch (e.status) {
        case Status::Pass: md << " ✓ |"; break;
        case Status::Unsupported: md << " — |"; break;
        case Status::Refused: md << " · |"; break;
        case Status::Fail:
          md << " ✗";
          for (const Cell* c : e.cells)
            if (c->status == Status::Fail) {
              if (c->case_file.empty())
                md << " " << class_name(c->shape_class);
              else
                md << " [" << class_name(c->shape_class) << "](" << c->case_file << ")";
            }
          md << " |";
          break;
      }
    }
    md << "\n";
  }
  md << "\n## Failures\n\n";
  if (r.count(Status::Fail) == 0) md << "None.\n";
  for (const Cell& c : r.cells) {
    if (c.status != Status::Fail) continue;
    md << "### " << cell_id(c) << "\n\n";
    if (!c.case_file.empty()) md << "Case: [" << c.case_file << "](" << c.case_file << ")\n\n";
    md << "```\n" << c.message << "\n```\n\n";
    if (!c.case_text.empty()) md << "```\n" << c.case_text << "```\n\n";
  }
  md << "## Unsupported\n\n";
  if (r.count(Status::Unsupported) == 0) md << "None.\n";
  for (const Cell& c : r.cells)
    if (c.status == Status::Unsupported) md << "- " << cell_id(c) << ": " << escape_md(c.message) << "\n";
  // Refusals repeat across classes: one line per row and message.
  md << "\n## Refused by the Tensor API or ref\n\n";
  std::set<std::pair<std::string, std::string>> said;
  for (const Cell& c : r.cells) {
    if (c.status != Status::Refused || !said.insert({c.row + name(c.dtype), first_line(c.message)}).second) continue;
    md << "- " << c.row << " / " << name(c.dtype) << ": " << escape_md(c.message) << "\n";
  }
  return md.str();
}

std::string to_json(const Result& r, const Header& h) {
  nlohmann::json matrix = nlohmann::json::object(), problems = nlohmann::json::array();
  for (const Cell& c : r.cells) {
    matrix[c.row][name(c.dtype)][std::string(class_name(c.shape_class))] = std::string(status_name(c.status));
    if (c.status == Status::Pass) continue;
    nlohmann::json p = {{"row", c.row},
                        {"op", c.op},
                        {"dtype", name(c.dtype)},
                        {"class", std::string(class_name(c.shape_class))},
                        {"status", std::string(status_name(c.status))},
                        {"message", c.status == Status::Fail ? c.message : first_line(c.message)}};
    if (!c.case_file.empty()) p["case_file"] = c.case_file;
    if (!c.case_text.empty()) p["case"] = c.case_text;
    problems.push_back(std::move(p));
  }
  nlohmann::json out = {{"backend", r.options.backend},
                        {"commit", h.commit},
                        {"date", h.date},
                        {"build", h.build},
                        {"cases_per_cell", r.options.cases},
                        {"sampled_cells_per_row", r.options.sample},
                        {"seed", r.options.seed},
                        {"seconds", r.seconds},
                        {"summary",
                         {{"pass", r.count(Status::Pass)},
                          {"fail", r.count(Status::Fail)},
                          {"unsupported", r.count(Status::Unsupported)},
                          {"refused", r.count(Status::Refused)}}},
                        {"matrix", matrix},
                        {"problems", problems}};
  return out.dump(1) + "\n";
}

}  // namespace anvil::conform
