#pragma once
// Storage of realized and host-provided tensors: a process-wide registry from a BUFFER node's uid
// (its arg is {uid, element count}) to the host Buffer holding its elements.
//
// Lifetime: the registry holds a buffer strongly from register_storage() until claim_storage()
// hands it to its owners (tensors, which keep shared_ptrs to the storage of every BUFFER in their
// graph); from then on it holds only a weak reference, and the entry goes once the last owner does.
// So a realizer can register a result and return just the graph, and nothing dead stays forever.
// Thread-safe.
#include <cstdint>
#include <memory>

#include "engine/ir/buffer.h"

namespace anvil {

// A fresh uid for a BUFFER node, from one process-wide counter: identical leaves never merge.
int64_t new_buffer_uid();

// Registers the storage of a uid; the registry keeps it alive until it is claimed. Registering a
// uid twice replaces its storage. Its bytes must not change from then on (device runtimes keep copies
// of them between runs: Buffer::device); a writer calls buffer->device.host_changed().
void register_storage(int64_t uid, std::shared_ptr<Buffer> buffer);

// The storage of a uid, or null if none is registered (or its owners are gone). Does not claim.
std::shared_ptr<Buffer> storage_of(int64_t uid);

// The storage of a uid, after which the registry holds it only weakly: the caller now owns it.
std::shared_ptr<Buffer> claim_storage(int64_t uid);

// Registered entries whose storage is alive (for tests of freeing).
size_t live_storage_count();

}  // namespace anvil
