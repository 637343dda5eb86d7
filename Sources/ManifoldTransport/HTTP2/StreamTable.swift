/// Values keyed by HTTP/2 stream id: the streams open on one connection.
///
/// Not a `Dictionary`: that hashes every key with SipHash, and a connection looks a stream
/// up several times per frame (about 2 % of a client's time at four calls in flight went to
/// hashing and probing, measured with `perf`). Stream ids on a connection only grow, so the
/// open ones are a window of recent ids, and `id / 2` puts them in consecutive slots of an
/// open-addressing table kept at most half full: a lookup nearly always hits its first slot.
/// Removal shifts the entries after a slot back (linear probing without tombstones), so a
/// connection that runs for days never degrades.
struct StreamTable<Value> {
    private struct Entry {
        /// 0 marks an empty slot: stream 0 is the connection and never keys a stream.
        var id: Int32 = 0
        var value: Value?
    }

    /// A power of two long, or empty until the first insert.
    private var entries: [Entry] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    private var mask: Int { entries.count - 1 }

    private func home(of id: Int32) -> Int {
        Int(id >> 1) & mask
    }

    /// The slot holding `id`, or the empty slot where it would go.
    private func slot(of id: Int32) -> Int {
        var slot = home(of: id)
        while entries[slot].id != id, entries[slot].id != 0 { slot = (slot + 1) & mask }
        return slot
    }

    subscript(id: Int32) -> Value? {
        get {
            guard count > 0 else { return nil }
            return entries[slot(of: id)].value
        }
        // In place, so a value holding a buffer is not copied (and the buffer with it) to be
        // changed.
        _modify {
            precondition(id > 0, "stream ids are positive")
            if (count + 1) * 2 > entries.count { grow() }
            let slot = slot(of: id)
            let wasPresent = entries[slot].id == id
            // Deferred, so an access that throws still leaves the table consistent.
            defer {
                switch (wasPresent, entries[slot].value != nil) {
                case (false, true):
                    entries[slot].id = id
                    count += 1
                case (true, false):
                    remove(at: slot)
                default:
                    break
                }
            }
            yield &entries[slot].value
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: Int32) -> Value? {
        guard count > 0 else { return nil }
        let slot = slot(of: id)
        guard entries[slot].id == id else { return nil }
        let value = entries[slot].value
        remove(at: slot)
        return value
    }

    mutating func removeAll() {
        entries = []
        count = 0
    }

    /// Every value, in no particular order.
    var values: [Value] {
        entries.compactMap(\.value)
    }

    /// Empties `slot`, then moves back each later entry of its run that may sit there, so
    /// every entry stays reachable from its home slot without tombstones.
    private mutating func remove(at slot: Int) {
        var hole = slot
        var next = (slot + 1) & mask
        while entries[next].id != 0 {
            // The entry may fill the hole when the hole lies between its home and its slot.
            if (next - home(of: entries[next].id)) & mask >= (next - hole) & mask {
                entries[hole] = entries[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole] = Entry()
        count -= 1
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(), count: max(16, old.count * 2))
        for entry in old where entry.id != 0 {
            entries[slot(of: entry.id)] = entry
        }
    }
}
