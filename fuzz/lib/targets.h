#pragma once
// The fuzz targets, one Target each (finding.h); all_targets() lists them for the CLI and replay.
#include "fuzz/lib/finding.h"

namespace anvil::fuzz {

extern const Target kSymbolicTarget;     // symbolic_target.cpp
extern const Target kParseTarget;        // parse_target.cpp
extern const Target kGraphTarget;        // graph_target.cpp
extern const Target kShapeTarget;        // shape_target.cpp
extern const Target kApiTarget;          // api_target.cpp
extern const Target kSafetensorsTarget;  // safetensors_target.cpp

}  // namespace anvil::fuzz
