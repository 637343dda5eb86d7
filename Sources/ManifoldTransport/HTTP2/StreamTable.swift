/// Values keyed by HTTP/2 stream id: the streams open on one connection.
///
/// Not a `Dictionary`: that hashes every key with SipHash, and a connection looks a stream
/// up several times per frame (about 2 % of a client's time at four calls in flight went to
/// hashing and probing, measured with `perf`). Here an id hashes by one multiply and a shift
/// (multiply-shift hashing) into an open-addressing table kept at most half full, so a
/// lookup usually hits its first slot. The multiplier is drawn at random per table: a
/// peer that picks its own stream ids (any client of the server role) cannot aim them all
/// at one slot to make every lookup walk a long run. Removal shifts the entries after a
/// slot back (linear probing without tombstones), so a connection that runs for days never
/// degrades.
struct StreamTable<Value> {
    private struct Entry {
        /// 0 marks an empty slot: stream 0 is the connection and never keys a stream.
        var id: Int32 = 0
        var value: Value?
    }

    /// A power of two long, or empty until the first insert.
    private var entries: [Entry] = []
    private(set) var count = 0
    /// Odd, so distinct ids stay distinct before the shift.
    private let multiplier: UInt64
    /// 64 minus the log2 of `entries.count`: the product's top bits pick the slot.
    private var shift: UInt64 = 64

    /// - Parameter multiplier: fixed only by tests, to make ids collide on purpose.
    init(multiplier: UInt64 = .random(in: .min ... .max)) {
        self.multiplier = multiplier | 1
    }

    var isEmpty: Bool { count == 0 }

    private var mask: Int { entries.count - 1 }

    private func home(of id: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: id)) &* multiplier) >> shift)
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
            precondition(id != 0, "stream 0 is the connection, not a stream")
            if entries.isEmpty { grow() }
            var slot = slot(of: id)
            let wasPresent = entries[slot].id == id
            // Grown only when this access may insert, so the table stays at most half full.
            if !wasPresent, (count + 1) * 2 > entries.count {
                grow()
                slot = self.slot(of: id)
            }
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
        guard count > 0, id != 0 else { return nil }  // 0 would match an empty slot
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
        shift = UInt64(64 - entries.count.trailingZeroBitCount)
        for entry in old where entry.id != 0 {
            entries[slot(of: entry.id)] = entry
        }
    }
}
