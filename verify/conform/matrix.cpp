#include "verify/conform/matrix.h"

#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/rc_source.h"
#include "verify/conform/cell_check.h"
#include "verify/conform/shape_class.h"
#include "verify/ops/op_table.h"

namespace anvil::conform {
namespace {

constexpr ShapeClass kClasses[kShapeClasses] = {ShapeClass::Scalar, ShapeClass::One,      ShapeClass::Small,
                                                ShapeClass::View,   ShapeClass::Padded,   ShapeClass::Empty,
                                                ShapeClass::Large,  ShapeClass::Broadcast};

// The op applied to inputs of the given shapes as a graph-target graph; nullopt when the API
// refuses (message in `why`) or the graph is outside what the graph target replays.
std::optional<UOp> build(const ops::OpRow& row, const std::vector<Tensor>& inputs, std::string* why) {
  try {
    const UOp root = fuzz::renumber_buffers(row.fn(inputs).uop());
    if (fuzz::graph_acceptable(root)) return root;
    if (why) *why = "outside the graph target (an op it does not replay, or past its size cap)";
  } catch (const Error& e) {
    if (why) *why = e.what();
  }
  return std::nullopt;
}

std::vector<Tensor> plain_inputs(const ops::OpRow& row, const Shapes& shapes, DType dtype) {
  std::vector<Tensor> in;
  for (size_t i = 0; i < shapes.size(); ++i) in.push_back(leaf(shapes[i], ops::input_dtype(row, i, dtype)));
  return in;
}

// A cell to run: its input shapes (those the op accepts and the graph target replays).
struct Plan {
  const ops::OpRow* row;
  DType dtype;
  ShapeClass cls;
  std::vector<Shapes> shapes;
  std::string refused;  // set: no shapes, and why
};

// The row's cells (dtype x class with sample shapes); their shapes are checked by accept().
std::vector<Plan> plan_row(const ops::OpRow& row) {
  std::vector<Plan> out;
  for (const DType& dtype : row.dtypes)
    for (ShapeClass c : kClasses)
      if (std::vector<Shapes> candidates = class_shapes(row, c); !candidates.empty())
        out.push_back(Plan{&row, dtype, c, std::move(candidates), {}});
  return out;
}

// Keeps the shapes the op accepts and the graph target replays (Large: the biggest such one).
void accept(Plan& p) {
  std::vector<Shapes> kept;
  std::string why;
  for (const Shapes& s : p.shapes) {
    if (build(*p.row, plain_inputs(*p.row, s, p.dtype), &why)) kept.push_back(s);
    if (p.cls == ShapeClass::Large && !kept.empty()) break;
  }
  if (kept.empty()) p.refused = why;
  p.shapes = std::move(kept);
}

bool selected(const ops::OpRow& row, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) { return w == row.name || w == row.op; });
}

std::string file_name(const Cell& c) {
  std::string s = c.row + "-" + name(c.dtype) + "-" + std::string(class_name(c.shape_class)) + ".uop";
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

// Runs one cell's property; fills status, cases, message and the shrunk case.
void run_cell(const Plan& p, const Options& o, Cell& cell) {
  struct Seen {
    std::string fail_text, fail_message, fail_kind, fail_op, unsupported, refused;
  } seen;
  const auto property = [&] {
    if (!seen.unsupported.empty() || !seen.refused.empty()) return;  // decided: nothing more to learn
    fuzz::RcSource src;
    const Shapes& shapes = p.shapes[src.choose(p.shapes.size())];
    std::vector<Tensor> inputs;
    const size_t patterned = shapes.empty() ? 0 : src.choose(shapes.size());  // at least this one is a view
    for (size_t i = 0; i < shapes.size(); ++i) {
      const bool view = i == patterned || src.chance(50);
      inputs.push_back(class_input(src, shapes[i], ops::input_dtype(*p.row, i, p.dtype), p.cls, view));
    }
    std::optional<UOp> built = build(*p.row, inputs, nullptr);
    RC_PRE(built.has_value());
    // The leaves' values come from their text uids: the first uid picks this case's values.
    const UOp root = fuzz::renumber_buffers(*built, src.range(0, 1 << 20));
    const Verdict v = check_case(root, o.backend);
    switch (v.kind) {
      case Verdict::Ok: return;
      case Verdict::Unsupported: seen.unsupported = v.message; return;
      case Verdict::Refused: seen.refused = v.message; return;
      case Verdict::Fail:
        seen.fail_text = to_text(root);
        seen.fail_message = v.message;
        seen.fail_kind = v.kind_name;
        seen.fail_op = std::string(op_name(root.op()));
        RC_FAIL(v.message);
    }
  };
  rc::detail::TestParams params;
  params.seed = o.seed;
  params.maxSuccess = o.cases;
  params.maxSize = o.max_size;
  rc::detail::TestMetadata meta;
  meta.id = cell.row + "/" + name(cell.dtype) + "/" + std::string(class_name(cell.shape_class));
  meta.description = meta.id;
  const rc::detail::TestResult result = rc::detail::checkTestable(property, meta, params);
  rc::detail::SuccessResult ok;
  rc::detail::GaveUpResult gave_up;
  rc::detail::FailureResult fail;
  rc::detail::Error err;
  if (result.match(ok)) cell.cases = ok.numSuccess;
  if (result.match(gave_up)) {
    cell.cases = gave_up.numSuccess;
    if (cell.cases == 0) {
      cell.status = Status::Refused;
      cell.message = "every generated case was discarded: " + gave_up.description;
    }
  }
  if (result.match(fail)) {
    cell.status = Status::Fail;
    cell.cases = fail.numSuccess;
    // The last failing run is the shrunk counterexample: shrinking accepts each failing candidate.
    cell.message = seen.fail_message.empty() ? fail.description : seen.fail_message;
    cell.case_text = "# signature: graph/" + (seen.fail_kind.empty() ? "crash" : seen.fail_kind) + "/" + seen.fail_op +
                     "/" + o.backend + "\n# origin: anvil conform --backend " + o.backend + " --seed " +
                     std::to_string(o.seed) + ", cell " + meta.id + "\n# status: open\n";
    for (size_t at = 0, nl; at < cell.message.size(); at = nl + 1) {
      nl = cell.message.find('\n', at);
      if (nl == std::string::npos) nl = cell.message.size();
      cell.case_text += "# " + cell.message.substr(at, nl - at) + "\n";
    }
    cell.case_text += seen.fail_text;
    return;
  }
  if (result.match(err)) {
    cell.status = Status::Fail;
    cell.message = "RapidCheck: " + err.description;
    return;
  }
  if (!seen.unsupported.empty()) {
    cell.status = Status::Unsupported;
    cell.message = seen.unsupported;
  } else if (!seen.refused.empty()) {
    cell.status = Status::Refused;
    cell.message = seen.refused;
  }
}

// With `sample` N, the row's cells at N evenly spread positions, shifted by the row's index so
// successive rows cover different dtypes and classes.
std::vector<size_t> picked(size_t cells, size_t row_index, int sample) {
  std::vector<size_t> out;
  if (sample <= 0 || static_cast<size_t>(sample) >= cells) {
    for (size_t i = 0; i < cells; ++i) out.push_back(i);
    return out;
  }
  const size_t step = cells / static_cast<size_t>(sample);
  for (size_t j = 0; j < static_cast<size_t>(sample); ++j) out.push_back((row_index * 3 + j * step) % cells);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string_view class_name(ShapeClass c) {
  switch (c) {
    case ShapeClass::Scalar: return "scalar";
    case ShapeClass::One: return "one";
    case ShapeClass::Small: return "small";
    case ShapeClass::View: return "view";
    case ShapeClass::Padded: return "padded";
    case ShapeClass::Empty: return "empty";
    case ShapeClass::Large: return "large";
    case ShapeClass::Broadcast: return "broadcast";
  }
  return "?";
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Unsupported: return "unsupported";
    case Status::Refused: return "refused";
  }
  return "?";
}

size_t Result::count(Status s) const {
  return static_cast<size_t>(std::count_if(cells.begin(), cells.end(), [&](const Cell& c) { return c.status == s; }));
}

Result run_matrix(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  install_interp_realizer();
  const std::vector<std::string> backends = install_backends();
  if (std::find(backends.begin(), backends.end(), options.backend) == backends.end()) {
    ErrorBuilder b("conform");
    b << "backend '" << options.backend << "' is not usable here; usable:";
    for (const std::string& n : backends) b << " " << n;
    b.raise();
  }
  Result r;
  r.options = options;
  std::vector<const ops::OpRow*> rows;
  for (const ops::OpRow& row : ops::op_table())
    if (selected(row, options.rows)) rows.push_back(&row);
  if (rows.empty()) (ErrorBuilder("conform") << "no op-table row is named by --ops").raise();
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    if (options.shards > 1 && static_cast<int>(ri % static_cast<size_t>(options.shards)) != options.shard) continue;
    if (options.progress) options.progress(ri, rows.size(), rows[ri]->name);
    std::vector<Plan> plans = plan_row(*rows[ri]);
    for (size_t pi : picked(plans.size(), ri, options.sample)) {
      Plan& p = plans[pi];
      accept(p);
      Cell cell{p.row->name, p.row->op, p.dtype, p.cls, Status::Pass, 0, {}, {}, {}};
      if (!p.refused.empty()) {
        cell.status = Status::Refused;
        cell.message = p.refused;
      } else {
        run_cell(p, options, cell);
      }
      if (cell.status == Status::Fail && !options.case_dir.empty() && !cell.case_text.empty()) {
        namespace fs = std::filesystem;
        fs::create_directories(options.case_dir);
        const fs::path file = fs::path(options.case_dir) / file_name(cell);
        std::ofstream(file) << cell.case_text;
        cell.case_file = (fs::path(options.case_dir).filename() / file.filename()).string();
      }
      r.cells.push_back(std::move(cell));
    }
  }
  if (options.progress) options.progress(rows.size(), rows.size(), "");
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string unescaped(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr int kCellFields = 9;

}  // namespace

std::string cells_to_text(const std::vector<Cell>& cells) {
  std::ostringstream out;
  for (const Cell& c : cells)
    for (const std::string& f :
         {c.row, c.op, name(c.dtype), std::to_string(static_cast<int>(c.shape_class)),
          std::to_string(static_cast<int>(c.status)), std::to_string(c.cases), c.message, c.case_text, c.case_file})
      out << escaped(f) << '\n';
  return out.str();
}

std::vector<Cell> cells_from_text(const std::string& text) {
  std::vector<std::string> f;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) f.push_back(unescaped(line));
  if (f.size() % kCellFields != 0)
    (ErrorBuilder("conform") << "a shard's cells are cut short (" << f.size() << " lines)").raise();
  std::vector<Cell> cells;
  for (size_t i = 0; i < f.size(); i += kCellFields) {
    const std::optional<DType> dt = parse_dtype(f[i + 2]);
    const int cls = std::stoi(f[i + 3]), st = std::stoi(f[i + 4]);
    if (!dt || cls < 0 || cls >= kShapeClasses || st < 0 || st > static_cast<int>(Status::Refused))
      (ErrorBuilder("conform") << "a shard's cell is malformed: " << f[i] << " / " << f[i + 2]).raise();
    cells.push_back({f[i], f[i + 1], *dt, static_cast<ShapeClass>(cls), static_cast<Status>(st), std::stoi(f[i + 5]),
                     f[i + 6], f[i + 7], f[i + 8]});
  }
  return cells;
}

}  // namespace anvil::conform
