#pragma once
// The safetensors target's pieces that tests reach: the case text form, the structure-aware
// mutator and the reducer's core (safetensors_mutate.cpp).
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace anvil::fuzz {

using FileBytes = std::vector<uint8_t>;

// The file an input spells: leading `#` lines skipped, then `hex:` lines or the raw bytes; nullopt
// for a malformed hex form.
std::optional<FileBytes> safetensors_file_bytes(std::string_view input);

// The hex text form of a file, 32 bytes a line (always read back as the same bytes).
std::string safetensors_hex_form(std::span<const uint8_t> bytes);

// Parses the header as far as its JSON and edits the structure (offsets, dtypes, shapes, names,
// metadata, the length field, the data section, JSON oddities), sometimes the bytes instead.
// Deterministic for a seed; the result has at most max_size bytes.
std::string mutate_safetensors(std::string_view input, uint64_t seed, size_t max_size);

// Greedy and deterministic: drops tensors and metadata, shrinks shapes (cutting their bytes out of
// the data section), shortens names and padding while `fails` holds; byte chunks where the header
// does not parse. The result is never longer than `file`.
using FilePredicate = std::function<bool(const FileBytes&)>;
FileBytes reduce_safetensors_with(const FileBytes& file, const FilePredicate& fails, int budget = 2000);

}  // namespace anvil::fuzz
